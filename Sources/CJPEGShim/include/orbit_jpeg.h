#ifndef ORBIT_JPEG_H
#define ORBIT_JPEG_H
#include <stddef.h>
#include <stdint.h>

/// A decoded JPEG: 8-bit RGB, rows top to bottom, already turned upright by its EXIF orientation.
/// Free `pixels` with orbit_jpeg_free.
typedef struct {
    int width, height;
    /// EXIF orientation found in the file (1 = upright; 2...8 as in the EXIF specification), already applied.
    int orientation;
    /// Non-zero when libjpeg had to make up data (a truncated or damaged stream).
    int damaged;
    uint8_t *pixels;
} orbit_jpeg_image;

/// Reads the header only: stored width and height (before EXIF orientation) and the number of components.
int orbit_jpeg_info(const void *data, size_t size, int *width, int *height, int *components, char *error, size_t error_size);

/// Decodes baseline and progressive JPEGs of 1 (grey), 3 (YCbCr / RGB) and 4 (CMYK / YCCK) components into RGB.
/// Images of more than `max_pixels` pixels are refused before any pixel memory is allocated.
/// Returns 0 on success, otherwise writes a message into `error` and returns -1.
int orbit_jpeg_decode(const void *data, size_t size, size_t max_pixels, orbit_jpeg_image *out, char *error, size_t error_size);

void orbit_jpeg_free(orbit_jpeg_image *image);

/// Encodes 8-bit pixels (components 1 grey, 3 RGB, or 4 CMYK written with an Adobe marker, inverted as
/// Photoshop writes it) as a JPEG in memory, for tests and test corpora. `sampling` is 420, 422 or 444.
/// Free `*out` with orbit_jpeg_free_buffer. Returns 0 on success.
int orbit_jpeg_encode(const uint8_t *pixels, int width, int height, int components, int quality, int progressive,
                      int sampling, uint8_t **out, size_t *out_size, char *error, size_t error_size);

void orbit_jpeg_free_buffer(uint8_t *buffer);
#endif
