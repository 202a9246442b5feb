#ifndef ORBIT_MUJOCO_H
#define ORBIT_MUJOCO_H
#if __has_include(<mujoco/mujoco.h>)
#include <mujoco/mujoco.h>
#else
#error "MuJoCo headers not found: run scripts/bootstrap (apt-get install libmujoco-dev)"
#endif
#include <stddef.h>

// MuJoCo reports fatal errors through mju_error, whose default handler prints, writes MUJOCO_LOG.TXT
// into the working directory and calls exit(1). These wrappers install handlers once per process and
// turn such errors into return codes (the handler longjmps back into the wrapper, like libpng's).
// After an error the mjData must be discarded. Warnings are counted in mjData.warning and never printed.

/// Compiles an MJCF document held in memory. Returns NULL and writes a message into `error` on failure.
mjModel *orbit_mj_load_xml(const char *xml, char *error, size_t error_size);

/// mj_makeData, guarded. Returns NULL and writes a message on failure.
mjData *orbit_mj_make_data(const mjModel *m, char *error, size_t error_size);

/// mj_forward, guarded. Returns 0, or -1 with a message.
int orbit_mj_forward(const mjModel *m, mjData *d, char *error, size_t error_size);

/// mj_step, guarded. Returns 0, or -1 with a message.
int orbit_mj_step(const mjModel *m, mjData *d, char *error, size_t error_size);

/// The MuJoCo library version (e.g. 222).
int orbit_mj_version(void);
#endif
