#ifndef ORBIT_PNG_H
#define ORBIT_PNG_H
#include <stddef.h>
#include <stdint.h>

/// A decoded image: `channels` (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA) of `bit_depth` 8 or 16,
/// rows top to bottom, 16-bit samples in host byte order. Free `pixels` with orbit_png_free.
typedef struct {
    int width, height, channels, bit_depth;
    void *pixels;
} orbit_png_image;

/// Writes `pixels` (rows top to bottom; 16-bit samples in host order) as a PNG.
/// Returns 0 on success, otherwise writes a message into `error` and returns -1.
int orbit_png_write(const char *path, const void *pixels, int width, int height,
                    int channels, int bit_depth, char *error, size_t error_size);

/// Reads a PNG file. Palette and low-bit-depth images are expanded to 8 bits; a tRNS chunk becomes alpha.
/// Images of more than `max_pixels` pixels are refused before any pixel memory is allocated.
int orbit_png_read_file(const char *path, size_t max_pixels, orbit_png_image *out, char *error, size_t error_size);

/// Reads a PNG held in memory (e.g. a texture embedded in a GLB file).
int orbit_png_read_memory(const void *data, size_t size, size_t max_pixels, orbit_png_image *out, char *error, size_t error_size);

void orbit_png_free(orbit_png_image *image);
#endif
