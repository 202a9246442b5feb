// libjpeg reports fatal errors through error_exit, which must not return (the default calls exit()); Swift
// cannot catch a longjmp, so every setjmp stays on this side and errors become return codes with a message.
// libjpeg-turbo is used rather than FFmpeg's MJPEG decoder: it is the reference decoder for still photographs
// (progressive, CMYK/YCCK, every chroma subsampling, APP markers for EXIF).
#include "orbit_jpeg.h"
#if __has_include(<jpeglib.h>)
#include <stdio.h>
#include <jpeglib.h>
#else
#error "libjpeg headers not found: run scripts/bootstrap (apt-get install libjpeg62-turbo-dev)"
#endif
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char *error;
    size_t error_size;
    int warnings;
} error_manager;

static void on_error(j_common_ptr info) {
    error_manager *manager = (error_manager *)info->err;
    char text[JMSG_LENGTH_MAX];
    manager->base.format_message(info, text);
    snprintf(manager->error, manager->error_size, "%s", text);
    longjmp(manager->jump, 1);
}

static void on_message(j_common_ptr info, int level) {
    // level -1: a warning about damaged data (libjpeg goes on with made-up data); others are trace messages
    if (level < 0) ((error_manager *)info->err)->warnings++;
}

static void install(error_manager *manager, char *error, size_t error_size) {
    jpeg_std_error(&manager->base);
    manager->base.error_exit = on_error;
    manager->base.emit_message = on_message;
    manager->error = error;
    manager->error_size = error_size;
    manager->warnings = 0;
}

int orbit_jpeg_info(const void *data, size_t size, int *width, int *height, int *components, char *error, size_t error_size) {
    struct jpeg_decompress_struct info;
    error_manager manager;
    install(&manager, error, error_size);
    info.err = &manager.base;
    if (setjmp(manager.jump)) {
        jpeg_destroy_decompress(&info);
        return -1;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, (const unsigned char *)data, (unsigned long)size);
    jpeg_read_header(&info, TRUE);
    *width = (int)info.image_width;
    *height = (int)info.image_height;
    *components = info.num_components;
    jpeg_destroy_decompress(&info);
    return 0;
}

static uint16_t read16(const uint8_t *p, int little) { return little ? (uint16_t)(p[0] | p[1] << 8) : (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t read32(const uint8_t *p, int little) {
    return little ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
                  : (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

// The EXIF orientation (tag 0x0112 of IFD0) of an APP1 marker, or 1; every offset is checked against the marker.
static int exif_orientation(const uint8_t *p, size_t n) {
    if (n < 14 || memcmp(p, "Exif\0\0", 6) != 0) return 1;
    const uint8_t *tiff = p + 6;
    size_t size = n - 6;
    int little;
    if (tiff[0] == 'I' && tiff[1] == 'I') little = 1;
    else if (tiff[0] == 'M' && tiff[1] == 'M') little = 0;
    else return 1;
    uint32_t ifd = read32(tiff + 4, little);
    if (ifd > size || size - ifd < 2) return 1;
    uint16_t entries = read16(tiff + ifd, little);
    for (uint32_t i = 0; i < entries; i++) {
        size_t at = (size_t)ifd + 2 + (size_t)i * 12;
        if (at + 12 > size) return 1;
        if (read16(tiff + at, little) == 0x0112) {
            uint16_t value = read16(tiff + at + 8, little);
            return value >= 1 && value <= 8 ? value : 1;
        }
    }
    return 1;
}

// Turns `src` (w × h RGB) upright according to `orientation`; returns the new buffer and its size.
static uint8_t *orient(const uint8_t *src, int w, int h, int orientation, int *out_w, int *out_h) {
    int swap = orientation >= 5;
    int ow = swap ? h : w, oh = swap ? w : h;
    uint8_t *dst = (uint8_t *)malloc((size_t)ow * (size_t)oh * 3);
    if (!dst) return NULL;
    for (int y = 0; y < oh; y++) {
        for (int x = 0; x < ow; x++) {
            int sx, sy;  // the stored pixel shown at (x, y)
            switch (orientation) {
            case 2: sx = w - 1 - x; sy = y; break;
            case 3: sx = w - 1 - x; sy = h - 1 - y; break;
            case 4: sx = x; sy = h - 1 - y; break;
            case 5: sx = y; sy = x; break;
            case 6: sx = y; sy = h - 1 - x; break;
            case 7: sx = w - 1 - y; sy = h - 1 - x; break;
            case 8: sx = w - 1 - y; sy = x; break;
            default: sx = x; sy = y; break;
            }
            memcpy(dst + ((size_t)y * (size_t)ow + (size_t)x) * 3, src + ((size_t)sy * (size_t)w + (size_t)sx) * 3, 3);
        }
    }
    *out_w = ow;
    *out_h = oh;
    return dst;
}

int orbit_jpeg_decode(const void *data, size_t size, size_t max_pixels, orbit_jpeg_image *out, char *error, size_t error_size) {
    memset(out, 0, sizeof(*out));
    struct jpeg_decompress_struct info;
    error_manager manager;
    install(&manager, error, error_size);
    info.err = &manager.base;
    uint8_t *pixels = NULL, *row = NULL;
    if (setjmp(manager.jump)) {
        jpeg_destroy_decompress(&info);
        free(pixels);
        free(row);
        return -1;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, (const unsigned char *)data, (unsigned long)size);
    jpeg_save_markers(&info, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(&info, TRUE);
    size_t w = info.image_width, h = info.image_height;
    if (w == 0 || h == 0 || w > max_pixels / h) {
        snprintf(error, error_size, "%zux%zu pixels is more than the limit of %zu pixels", w, h, max_pixels);
        jpeg_destroy_decompress(&info);
        return -1;
    }
    int orientation = 1;
    for (jpeg_saved_marker_ptr m = info.marker_list; m; m = m->next) {
        if (m->marker == JPEG_APP0 + 1) { orientation = exif_orientation(m->data, m->data_length); break; }
    }
    int cmyk = info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK;
    info.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    jpeg_start_decompress(&info);
    int components = info.output_components;
    pixels = (uint8_t *)malloc(w * h * 3);
    row = (uint8_t *)malloc(w * (size_t)components);
    if (!pixels || !row) {
        snprintf(error, error_size, "out of memory for %zux%zu pixels", w, h);
        longjmp(manager.jump, 1);
    }
    // Photoshop (the writer of nearly every CMYK JPEG, marked by an Adobe APP14) stores CMYK inverted
    int inverted = info.saw_Adobe_marker;
    while (info.output_scanline < info.output_height) {
        size_t y = info.output_scanline;
        JSAMPROW rows[1] = {row};
        jpeg_read_scanlines(&info, rows, 1);
        uint8_t *dst = pixels + y * w * 3;
        if (components == 3) {
            memcpy(dst, row, w * 3);
        } else {
            for (size_t x = 0; x < w; x++) {
                const uint8_t *s = row + x * 4;
                int c = s[0], m = s[1], yy = s[2], k = s[3];
                if (!inverted) { c = 255 - c; m = 255 - m; yy = 255 - yy; k = 255 - k; }
                dst[3 * x] = (uint8_t)((c * k + 127) / 255);
                dst[3 * x + 1] = (uint8_t)((m * k + 127) / 255);
                dst[3 * x + 2] = (uint8_t)((yy * k + 127) / 255);
            }
        }
    }
    jpeg_finish_decompress(&info);
    int damaged = manager.warnings > 0;
    jpeg_destroy_decompress(&info);
    free(row);
    row = NULL;
    int ow = (int)w, oh = (int)h;
    if (orientation != 1) {
        uint8_t *turned = orient(pixels, (int)w, (int)h, orientation, &ow, &oh);
        free(pixels);
        if (!turned) {
            snprintf(error, error_size, "out of memory for %zux%zu pixels", w, h);
            return -1;
        }
        pixels = turned;
    }
    out->width = ow;
    out->height = oh;
    out->orientation = orientation;
    out->damaged = damaged;
    out->pixels = pixels;
    return 0;
}

void orbit_jpeg_free(orbit_jpeg_image *image) {
    free(image->pixels);
    image->pixels = NULL;
}

int orbit_jpeg_encode(const uint8_t *pixels, int width, int height, int components, int quality, int progressive,
                      int sampling, uint8_t **out, size_t *out_size, char *error, size_t error_size) {
    *out = NULL;
    *out_size = 0;
    if (width <= 0 || height <= 0 || (components != 1 && components != 3 && components != 4)) {
        snprintf(error, error_size, "unsupported JPEG layout");
        return -1;
    }
    struct jpeg_compress_struct info;
    error_manager manager;
    install(&manager, error, error_size);
    info.err = &manager.base;
    unsigned char *buffer = NULL;
    unsigned long length = 0;
    if (setjmp(manager.jump)) {
        jpeg_destroy_compress(&info);
        free(buffer);
        return -1;
    }
    jpeg_create_compress(&info);
    jpeg_mem_dest(&info, &buffer, &length);
    info.image_width = (JDIMENSION)width;
    info.image_height = (JDIMENSION)height;
    info.input_components = components;
    info.in_color_space = components == 1 ? JCS_GRAYSCALE : components == 3 ? JCS_RGB : JCS_CMYK;
    jpeg_set_defaults(&info);
    jpeg_set_quality(&info, quality, TRUE);
    if (components == 3) {
        info.comp_info[0].h_samp_factor = sampling == 444 ? 1 : 2;
        info.comp_info[0].v_samp_factor = sampling == 420 ? 2 : 1;
    }
    if (progressive) jpeg_simple_progression(&info);
    if (components == 4) info.write_Adobe_marker = TRUE;
    jpeg_start_compress(&info, TRUE);
    const uint8_t *source = pixels;
    uint8_t *inverted = NULL;
    if (components == 4) {
        // written as Photoshop does: inverted CMYK under an Adobe marker
        inverted = (uint8_t *)malloc((size_t)width * (size_t)height * 4);
        if (!inverted) longjmp(manager.jump, 1);
        for (size_t i = 0; i < (size_t)width * (size_t)height * 4; i++) inverted[i] = (uint8_t)(255 - pixels[i]);
        source = inverted;
    }
    while (info.next_scanline < info.image_height) {
        JSAMPROW rows[1] = {(JSAMPROW)(source + (size_t)info.next_scanline * (size_t)width * (size_t)components)};
        jpeg_write_scanlines(&info, rows, 1);
    }
    jpeg_finish_compress(&info);
    jpeg_destroy_compress(&info);
    free(inverted);
    *out = buffer;
    *out_size = length;
    return 0;
}

void orbit_jpeg_free_buffer(uint8_t *buffer) { free(buffer); }
