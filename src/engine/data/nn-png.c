/* nn-png.c: libpng with setjmp error handling turned into GErrors */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-png.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <png.h>

#include "nn-file.h"

G_DEFINE_QUARK (nn-png-error-quark, nn_png_error)

typedef struct
{
  jmp_buf      jump;
  char         message[256];
  const guint8 *data;       /* memory source */
  size_t        size;
  size_t        pos;
} PngContext;

static void
on_png_error (png_structp png,
              png_const_charp msg)
{
  PngContext *ctx = png_get_error_ptr (png);

  g_strlcpy (ctx->message, msg, sizeof ctx->message);
  longjmp (ctx->jump, 1);
}

static void
on_png_warning (png_structp png,
                png_const_charp msg)
{
  /* warnings (odd chunks, bad CRC in ancillary data) do not stop decoding */
}

static void
read_memory (png_structp png,
             png_bytep   out,
             png_size_t  n)
{
  PngContext *ctx = png_get_io_ptr (png);

  if (ctx->size - ctx->pos < n)
    png_error (png, "the file ends too early");
  memcpy (out, ctx->data + ctx->pos, n);
  ctx->pos += n;
}

static guint8 *
decode (const guint8  *data,
        size_t         size,
        const char    *name,
        size_t        *width_out,
        size_t        *height_out,
        GError       **error)
{
  PngContext ctx = { .data = data, .size = size };
  png_structp png = NULL;
  png_infop info = NULL;
  guint8 *volatile rgba = NULL;
  guint8 *volatile gray = NULL;
  png_bytep *volatile rows = NULL;
  png_uint_32 width, height;
  volatile size_t n_dark = 0, n_opaque = 0;
  guint8 background;

  if (size < 8 || png_sig_cmp (data, 0, 8) != 0)
    {
      g_set_error (error, NN_PNG_ERROR, NN_PNG_ERROR_NOT_PNG, "%s is not a PNG image", name);
      return NULL;
    }
  png = png_create_read_struct (PNG_LIBPNG_VER_STRING, &ctx, on_png_error, on_png_warning);
  info = png != NULL ? png_create_info_struct (png) : NULL;
  if (info == NULL)
    {
      png_destroy_read_struct (&png, NULL, NULL);
      g_set_error (error, NN_PNG_ERROR, NN_PNG_ERROR_CORRUPT, "%s: out of memory", name);
      return NULL;
    }
  if (setjmp (ctx.jump))
    {
      png_destroy_read_struct (&png, &info, NULL);
      g_free (rgba);
      g_free (gray);
      g_free (rows);
      g_set_error (error, NN_PNG_ERROR, NN_PNG_ERROR_CORRUPT, "%s: damaged PNG (%s)", name,
                   ctx.message);
      return NULL;
    }
  png_set_read_fn (png, &ctx, read_memory);
  /* our own limits below give a clearer error; libpng's own stop only what the format forbids */
  png_set_user_limits (png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);
  png_set_chunk_cache_max (png, 256);                 /* ancillary chunks kept */
  png_set_chunk_malloc_max (png, (png_alloc_size_t) 8 << 20);
  png_read_info (png, info);
  width = png_get_image_width (png, info);
  height = png_get_image_height (png, info);
  if (width > NN_PNG_MAX_SIDE || height > NN_PNG_MAX_SIDE ||
      (guint64) width * height > NN_PNG_MAX_PIXELS)
    {
      png_destroy_read_struct (&png, &info, NULL);
      g_set_error (error, NN_PNG_ERROR, NN_PNG_ERROR_TOO_LARGE,
                   "%s: %u×%u pixels is too large (at most %u×%u and %" G_GUINT64_FORMAT
                   " pixels)", name, width, height, NN_PNG_MAX_SIDE, NN_PNG_MAX_SIDE,
                   NN_PNG_MAX_PIXELS);
      return NULL;
    }
  /* Each row is a filter byte and its packed samples, all deflated: a file too small to inflate
   * to that (deflate gives at most 1032 bytes per byte) is refused before allocating. */
  if ((guint64) height * (1 + png_get_rowbytes (png, info)) > (guint64) size * 1032)
    {
      png_destroy_read_struct (&png, &info, NULL);
      g_set_error (error, NN_PNG_ERROR, NN_PNG_ERROR_CORRUPT,
                   "%s: damaged PNG (%u×%u pixels declared, the file is too small to hold them)",
                   name, width, height);
      return NULL;
    }

  /* every format to 8-bit RGBA */
  png_set_expand (png);
  png_set_strip_16 (png);
  png_set_gray_to_rgb (png);
  png_set_add_alpha (png, 0xff, PNG_FILLER_AFTER);
  png_set_interlace_handling (png);
  png_read_update_info (png, info);

  rgba = g_try_malloc ((size_t) width * height * 4);
  rows = g_try_new (png_bytep, height);
  gray = g_try_malloc ((size_t) width * height);
  if (rgba == NULL || rows == NULL || gray == NULL)
    {
      png_destroy_read_struct (&png, &info, NULL);
      g_free (rgba);
      g_free (gray);
      g_free (rows);
      g_set_error (error, NN_PNG_ERROR, NN_PNG_ERROR_TOO_LARGE,
                   "%s: not enough memory for %u×%u pixels", name, width, height);
      return NULL;
    }
  for (png_uint_32 y = 0; y < height; y++)
    rows[y] = rgba + (size_t) y * width * 4;
  /* From here on libpng's "benign" errors, warnings by default, refuse the file: image data
   * left over after the last row (a header declaring fewer rows than were written) is refused
   * as trailing data is in IDX files, and so is a damaged stream found only after the image. */
  png_set_benign_errors (png, 0);
  png_read_image (png, rows);
  png_read_end (png, NULL);
  png_destroy_read_struct (&png, &info, NULL);

  for (size_t i = 0; i < (size_t) width * height; i++)
    {
      const guint8 *p = rgba + 4 * i;
      /* Rec. 601 luma, as most tools use for gray */
      guint lum = (299u * p[0] + 587u * p[1] + 114u * p[2] + 500) / 1000;

      gray[i] = (guint8) lum;
      if (p[3] >= 128)
        {
          n_opaque++;
          n_dark += lum < 128;
        }
    }
  /* ink drawn on a transparent sheet: pick the background that shows it */
  background = n_opaque > 0 && n_dark * 2 > n_opaque ? 255 : 0;
  for (size_t i = 0; i < (size_t) width * height; i++)
    {
      guint a = rgba[4 * i + 3];

      gray[i] = (guint8) ((gray[i] * a + background * (255 - a) + 127) / 255);
    }
  g_free (rgba);
  g_free (rows);
  *width_out = width;
  *height_out = height;
  return gray;
}

guint8 *
nn_png_load_gray_from_memory (const guint8  *data,
                              size_t         size,
                              size_t        *width,
                              size_t        *height,
                              GError       **error)
{
  g_return_val_if_fail (data != NULL || size == 0, NULL);
  return decode (data, size, "The image", width, height, error);
}

guint8 *
nn_png_load_gray (const char  *path,
                  size_t      *width,
                  size_t      *height,
                  GError     **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *name = NULL;
  gsize size;

  g_return_val_if_fail (path != NULL, NULL);

  name = g_path_get_basename (path);
  if (!nn_file_read (path, NN_FILE_MAX_PNG, &contents, &size, &local))
    {
      int code = g_error_matches (local, NN_FILE_ERROR, NN_FILE_ERROR_NOT_REGULAR)
                   ? NN_PNG_ERROR_NOT_REGULAR
                 : g_error_matches (local, NN_FILE_ERROR, NN_FILE_ERROR_TOO_LARGE)
                   ? NN_PNG_ERROR_TOO_LARGE
                   : NN_PNG_ERROR_OPEN;

      g_set_error_literal (error, NN_PNG_ERROR, code, local->message);
      return NULL;
    }
  return decode ((const guint8 *) contents, size, name, width, height, error);
}

static gboolean
save_png (const char    *path,
          const guint8  *pixels,
          size_t         width,
          size_t         height,
          size_t         stride,
          int            color_type,
          GError       **error)
{
  g_autofree char *tmp = g_strdup_printf ("%s.XXXXXX", path);
  PngContext ctx = { 0 };
  png_structp png = NULL;
  png_infop info = NULL;
  FILE *volatile file = NULL;
  int fd, saved;

  if (width == 0 || height == 0 || width > NN_PNG_MAX_SIDE || height > NN_PNG_MAX_SIDE)
    {
      g_set_error (error, NN_PNG_ERROR, NN_PNG_ERROR_TOO_LARGE,
                   "cannot write a %zu×%zu image", width, height);
      return FALSE;
    }
  fd = g_mkstemp_full (tmp, O_WRONLY, 0644);
  if (fd < 0 || (file = fdopen (fd, "wb")) == NULL)
    {
      saved = errno;
      if (fd >= 0)
        {
          close (fd);
          g_unlink (tmp);
        }
      g_set_error (error, NN_PNG_ERROR, NN_PNG_ERROR_WRITE, "%s: cannot write (%s)", path,
                   g_strerror (saved));
      return FALSE;
    }
  png = png_create_write_struct (PNG_LIBPNG_VER_STRING, &ctx, on_png_error, on_png_warning);
  info = png != NULL ? png_create_info_struct (png) : NULL;
  if (info == NULL || setjmp (ctx.jump))
    {
      png_destroy_write_struct (&png, &info);
      fclose (file);
      g_unlink (tmp);
      g_set_error (error, NN_PNG_ERROR, NN_PNG_ERROR_WRITE, "%s: cannot write (%s)", path,
                   ctx.message[0] ? ctx.message : "out of memory");
      return FALSE;
    }
  png_init_io (png, file);
  png_set_IHDR (png, info, (png_uint_32) width, (png_uint_32) height, 8, color_type,
                PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info (png, info);
  for (size_t y = 0; y < height; y++)
    png_write_row (png, (png_const_bytep) (pixels + y * stride));
  png_write_end (png, info);
  png_destroy_write_struct (&png, &info);

  if (fflush (file) != 0 || fsync (fileno (file)) != 0)
    {
      saved = errno;
      fclose (file);
      g_unlink (tmp);
      g_set_error (error, NN_PNG_ERROR, NN_PNG_ERROR_WRITE, "%s: cannot write (%s)", path,
                   g_strerror (saved));
      return FALSE;
    }
  if (fclose (file) != 0 || g_rename (tmp, path) != 0)
    {
      saved = errno;
      g_unlink (tmp);
      g_set_error (error, NN_PNG_ERROR, NN_PNG_ERROR_WRITE, "%s: cannot write (%s)", path,
                   g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

gboolean
nn_png_save_gray (const char    *path,
                  const guint8  *pixels,
                  size_t         width,
                  size_t         height,
                  size_t         stride,
                  GError       **error)
{
  g_return_val_if_fail (path != NULL && pixels != NULL && stride >= width, FALSE);
  return save_png (path, pixels, width, height, stride, PNG_COLOR_TYPE_GRAY, error);
}

gboolean
nn_png_save_rgba (const char    *path,
                  const guint8  *pixels,
                  size_t         width,
                  size_t         height,
                  size_t         stride,
                  GError       **error)
{
  g_return_val_if_fail (path != NULL && pixels != NULL && stride >= 4 * width, FALSE);
  return save_png (path, pixels, width, height, stride, PNG_COLOR_TYPE_RGB_ALPHA, error);
}
