// libpng's default error handler longjmps out of the library, which Swift cannot catch.
// This file keeps every setjmp on the C side and turns errors into return codes with a message.
#include "orbit_png.h"
#if __has_include(<png.h>)
#include <png.h>
#else
#error "libpng headers not found: run scripts/bootstrap (apt-get install libpng-dev)"
#endif
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    jmp_buf jump;
    char *error;
    size_t error_size;
} error_context;

static void on_error(png_structp png, png_const_charp message) {
    error_context *context = (error_context *)png_get_error_ptr(png);
    int code = errno;
    // libpng's "Write Error" hides why the write failed: say it
    if (strcmp(message, "Write Error") == 0 && code == ENOSPC) snprintf(context->error, context->error_size, "the disk is full; free some space");
    else if (strcmp(message, "Write Error") == 0 && code != 0) snprintf(context->error, context->error_size, "cannot write (%s)", strerror(code));
    else snprintf(context->error, context->error_size, "%s", message);
    longjmp(context->jump, 1);
}

static void on_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

static int color_type_for(int channels) {
    switch (channels) {
    case 1: return PNG_COLOR_TYPE_GRAY;
    case 2: return PNG_COLOR_TYPE_GRAY_ALPHA;
    case 3: return PNG_COLOR_TYPE_RGB;
    default: return PNG_COLOR_TYPE_RGBA;
    }
}

int orbit_png_write(const char *path, const void *pixels, int width, int height,
                    int channels, int bit_depth, char *error, size_t error_size) {
    if (channels < 1 || channels > 4 || (bit_depth != 8 && bit_depth != 16)) {
        snprintf(error, error_size, "unsupported PNG layout: %d channels of %d bits", channels, bit_depth);
        return -1;
    }
    FILE *file = fopen(path, "wb");
    if (!file) {
        snprintf(error, error_size, "cannot open for writing");
        return -1;
    }
    error_context context = {.error = error, .error_size = error_size};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &context, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        snprintf(error, error_size, "out of memory");
        png_destroy_write_struct(&png, &info);
        fclose(file);
        return -1;
    }
    png_bytep *rows = NULL;
    if (setjmp(context.jump)) {
        png_destroy_write_struct(&png, &info);
        free(rows);
        fclose(file);
        return -1;
    }
    png_init_io(png, file);
    // Frames are written often; a fast deflate level keeps writing far below render time.
    png_set_compression_level(png, 3);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, bit_depth, color_type_for(channels),
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    if (bit_depth == 16) {
        const uint16_t probe = 1;
        if (*(const uint8_t *)&probe == 1) png_set_swap(png); // PNG stores big-endian samples
    }
    size_t stride = (size_t)width * (size_t)channels * (size_t)(bit_depth / 8);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * (size_t)height);
    for (int y = 0; y < height; y++) rows[y] = (png_bytep)pixels + stride * (size_t)y;
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(rows);
    if (fclose(file) != 0) {
        if (errno == ENOSPC) snprintf(error, error_size, "the disk is full; free some space");
        else snprintf(error, error_size, "write failed (%s)", strerror(errno));
        return -1;
    }
    return 0;
}

typedef struct {
    const uint8_t *data;
    size_t size, offset;
} memory_source;

static void read_memory(png_structp png, png_bytep out, png_size_t count) {
    memory_source *source = (memory_source *)png_get_io_ptr(png);
    if (source->offset + count > source->size) png_error(png, "truncated PNG data");
    memcpy(out, source->data + source->offset, count);
    source->offset += count;
}

static int read_png(FILE *file, memory_source *memory, size_t max_pixels, orbit_png_image *out, char *error, size_t error_size) {
    memset(out, 0, sizeof(*out));
    error_context context = {.error = error, .error_size = error_size};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &context, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        snprintf(error, error_size, "out of memory");
        png_destroy_read_struct(&png, &info, NULL);
        return -1;
    }
    png_bytep *rows = NULL;
    void *pixels = NULL;
    if (setjmp(context.jump)) {
        png_destroy_read_struct(&png, &info, NULL);
        free(rows);
        free(pixels);
        return -1;
    }
    if (file) png_init_io(png, file);
    else png_set_read_fn(png, memory, read_memory);
    png_read_info(png, info);
    {
        // refuse before allocating: a few bytes of header can claim billions of pixels
        size_t w = png_get_image_width(png, info), h = png_get_image_height(png, info);
        if (w == 0 || h == 0 || w > max_pixels / h) {
            snprintf(error, error_size, "%zux%zu pixels is more than the limit of %zu pixels", w, h, max_pixels);
            longjmp(context.jump, 1);
        }
    }
    int color_type = png_get_color_type(png, info);
    int bit_depth = png_get_bit_depth(png, info);
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (bit_depth == 16) {
        const uint16_t probe = 1;
        if (*(const uint8_t *)&probe == 1) png_set_swap(png);
    }
    png_read_update_info(png, info);
    int width = (int)png_get_image_width(png, info), height = (int)png_get_image_height(png, info);
    int channels = png_get_channels(png, info);
    int depth = png_get_bit_depth(png, info);
    size_t stride = png_get_rowbytes(png, info);
    pixels = malloc(stride * (size_t)height);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * (size_t)height);
    if (!pixels || !rows) png_error(png, "out of memory");
    for (int y = 0; y < height; y++) rows[y] = (png_bytep)pixels + stride * (size_t)y;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    free(rows);
    out->width = width;
    out->height = height;
    out->channels = channels;
    out->bit_depth = depth;
    out->pixels = pixels;
    return 0;
}

int orbit_png_read_file(const char *path, size_t max_pixels, orbit_png_image *out, char *error, size_t error_size) {
    FILE *file = fopen(path, "rb");
    if (!file) {
        snprintf(error, error_size, "cannot open for reading");
        return -1;
    }
    uint8_t signature[8];
    if (fread(signature, 1, 8, file) != 8 || png_sig_cmp(signature, 0, 8) != 0) {
        snprintf(error, error_size, "not a PNG file");
        fclose(file);
        return -1;
    }
    rewind(file);
    int status = read_png(file, NULL, max_pixels, out, error, error_size);
    fclose(file);
    return status;
}

int orbit_png_read_memory(const void *data, size_t size, size_t max_pixels, orbit_png_image *out, char *error, size_t error_size) {
    if (size < 8 || png_sig_cmp((png_const_bytep)data, 0, 8) != 0) {
        snprintf(error, error_size, "not PNG data");
        return -1;
    }
    memory_source source = {.data = (const uint8_t *)data, .size = size, .offset = 0};
    return read_png(NULL, &source, max_pixels, out, error, error_size);
}

void orbit_png_free(orbit_png_image *image) {
    free(image->pixels);
    image->pixels = NULL;
}
