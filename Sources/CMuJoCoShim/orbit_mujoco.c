#include "orbit_mujoco.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// The guard of the call in progress on this thread, and the message of its error.
static _Thread_local jmp_buf *active_guard = NULL;
static _Thread_local char error_message[1024];

static void on_error(const char *message) {
    snprintf(error_message, sizeof error_message, "%s", message);
    if (active_guard) longjmp(*active_guard, 1);
    // MuJoCo requires this handler not to return; an unguarded call is a programming error.
    fprintf(stderr, "orbit: unguarded MuJoCo error: %s\n", message);
    abort();
}

static void on_warning(const char *message) {
    // Counted in mjData.warning, which the simulation checks after every step.
    (void)message;
}

static void install_handlers(void) {
    // Plain stores of the same values from any thread: idempotent.
    mju_user_error = on_error;
    mju_user_warning = on_warning;
}

static void copy_message(char *error, size_t error_size, const char *message) {
    if (error && error_size > 0) snprintf(error, error_size, "%s", message);
}

mjModel *orbit_mj_load_xml(const char *xml, char *error, size_t error_size) {
    install_handlers();
    // mjVFS holds fixed arrays of about 2 MB: on the heap, not the stack.
    mjVFS *vfs = malloc(sizeof(mjVFS));
    if (!vfs) { copy_message(error, error_size, "out of memory"); return NULL; }
    mj_defaultVFS(vfs);
    size_t length = strlen(xml);
    if (mj_makeEmptyFileVFS(vfs, "world.xml", (int)length) != 0) {
        free(vfs);
        copy_message(error, error_size, "cannot create the in-memory MJCF file");
        return NULL;
    }
    memcpy(vfs->filedata[0], xml, length);
    jmp_buf guard;
    mjModel *volatile model = NULL;
    char compile_error[1024] = "";
    if (setjmp(guard) == 0) {
        active_guard = &guard;
        model = mj_loadXML("world.xml", vfs, compile_error, sizeof compile_error);
        if (!model) copy_message(error, error_size, compile_error[0] ? compile_error : "MuJoCo could not compile the model");
    } else {
        copy_message(error, error_size, error_message);
        model = NULL;
    }
    active_guard = NULL;
    mj_deleteVFS(vfs);
    free(vfs);
    return model;
}

mjData *orbit_mj_make_data(const mjModel *m, char *error, size_t error_size) {
    install_handlers();
    jmp_buf guard;
    mjData *volatile data = NULL;
    if (setjmp(guard) == 0) {
        active_guard = &guard;
        data = mj_makeData(m);
        if (!data) copy_message(error, error_size, "MuJoCo could not allocate the simulation state");
    } else {
        copy_message(error, error_size, error_message);
        data = NULL;
    }
    active_guard = NULL;
    return data;
}

// Runs mj_forward or mj_step (same signature) under a guard.
static int guarded(void (*function)(const mjModel *, mjData *), const mjModel *m, mjData *d, char *error, size_t error_size) {
    jmp_buf guard;
    volatile int status = 0;
    if (setjmp(guard) == 0) {
        active_guard = &guard;
        function(m, d);
    } else {
        copy_message(error, error_size, error_message);
        status = -1;
    }
    active_guard = NULL;
    return status;
}

int orbit_mj_forward(const mjModel *m, mjData *d, char *error, size_t error_size) {
    return guarded(mj_forward, m, d, error, error_size);
}

int orbit_mj_step(const mjModel *m, mjData *d, char *error, size_t error_size) {
    return guarded(mj_step, m, d, error, error_size);
}

int orbit_mj_version(void) { return mj_version(); }
