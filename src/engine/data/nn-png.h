/* nn-png.h: reading any PNG as 8-bit gray and writing gray or RGBA PNGs atomically (libpng) */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NN_PNG_ERROR (nn_png_error_quark ())
GQuark nn_png_error_quark (void);

typedef enum
{
  NN_PNG_ERROR_OPEN,
  NN_PNG_ERROR_NOT_PNG,
  NN_PNG_ERROR_CORRUPT,
  NN_PNG_ERROR_TOO_LARGE,
  NN_PNG_ERROR_WRITE,
  NN_PNG_ERROR_NOT_REGULAR,     /* a folder, FIFO, device or socket: never read */
} NnPngError;

/* Checked from the header before any pixel is allocated; files are read only when regular and
 * at most NN_FILE_MAX_PNG bytes. A digit needs far less: the pixel budget keeps decoding
 * (4 bytes a pixel while converting) under 64 MiB. */
#define NN_PNG_MAX_SIDE 8192
#define NN_PNG_MAX_PIXELS ((guint64) 16 << 20)

/* Every colour type, bit depth and interlacing becomes 8-bit luminance (height, width). Transparency is
 * composited over the background that keeps the ink visible: over white when the opaque
 * pixels are mostly dark, over black otherwise. A damaged file (truncated, a bad CRC in a
 * critical chunk, a bad zlib stream, zero or oversized dimensions) is an error, never a
 * partly made-up image. */
guint8   *nn_png_load_gray             (const char    *path,
                                        size_t        *width,
                                        size_t        *height,
                                        GError       **error);
guint8   *nn_png_load_gray_from_memory (const guint8  *data,
                                        size_t         size,
                                        size_t        *width,
                                        size_t        *height,
                                        GError       **error);

gboolean  nn_png_save_gray             (const char    *path,
                                        const guint8  *pixels,  /* (height, stride) */
                                        size_t         width,
                                        size_t         height,
                                        size_t         stride,
                                        GError       **error);
gboolean  nn_png_save_rgba             (const char    *path,
                                        const guint8  *pixels,  /* (height, stride), RGBA */
                                        size_t         width,
                                        size_t         height,
                                        size_t         stride,
                                        GError       **error);

G_END_DECLS
