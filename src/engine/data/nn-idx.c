/* nn-idx.c: streaming IDX reader (raw, or gzip through zlib's inflate) and atomic writers */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-idx.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <zlib.h>

#include "nn-file.h"

G_DEFINE_QUARK (nn-idx-error-quark, nn_idx_error)

#define READ_BUFFER_SIZE (256 * 1024)
/* deflate never makes more than 1032 bytes from one byte of compressed data */
#define DEFLATE_MAX_RATIO 1032

/* The file is read through one buffer; in gzip mode z inflates from it, in raw mode z.next_in
 * and z.avail_in only track what the buffer still holds. */
typedef struct
{
  int         fd;
  gboolean    gzip;
  gboolean    z_live;          /* inflateInit2 succeeded */
  gboolean    member_ended;    /* the current gzip member is complete, trailer checked */
  gboolean    eof;             /* read () said the file ends */
  guint64     file_size;
  z_stream    z;
  guint8     *buffer;          /* (READ_BUFFER_SIZE) */
  char       *name;            /* basename for messages */
} Reader;

static void
reader_close (Reader *r)
{
  if (r->z_live)
    inflateEnd (&r->z);
  if (r->fd >= 0)
    close (r->fd);
  g_free (r->buffer);
  g_free (r->name);
}

/* Moves what the buffer still holds to its start and reads more after it: one read, or more
 * until it holds the two bytes the gzip magic needs, or the file ends. */
static gboolean
reader_fill (Reader  *r,
             GError **error)
{
  gsize have = r->z.avail_in;

  if (r->eof)
    return TRUE;
  if (have > 0 && r->z.next_in != r->buffer)
    memmove (r->buffer, r->z.next_in, have);
  r->z.next_in = r->buffer;
  while (have < READ_BUFFER_SIZE)
    {
      ssize_t n = read (r->fd, r->buffer + have, READ_BUFFER_SIZE - have);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          g_set_error (error, NN_IDX_ERROR, NN_IDX_ERROR_OPEN, "%s: cannot read (%s)", r->name,
                       g_strerror (saved));
          return FALSE;
        }
      if (n == 0)
        {
          r->eof = TRUE;
          break;
        }
      have += (gsize) n;
      if (have >= 2)
        break;
    }
  r->z.avail_in = (uInt) have;
  return TRUE;
}

static gboolean
reader_open (Reader      *r,
             const char  *path,
             GError     **error)
{
  g_autoptr(GError) local = NULL;
  gsize size;

  r->fd = -1;
  r->name = g_path_get_basename (path);
  r->fd = nn_file_open_regular (path, NN_FILE_MAX_DATA, &size, &local);
  if (r->fd < 0)
    {
      int code = g_error_matches (local, NN_FILE_ERROR, NN_FILE_ERROR_NOT_REGULAR)
                   ? NN_IDX_ERROR_NOT_REGULAR
                 : g_error_matches (local, NN_FILE_ERROR, NN_FILE_ERROR_TOO_LARGE)
                   ? NN_IDX_ERROR_TOO_LARGE
                   : NN_IDX_ERROR_OPEN;

      g_set_error_literal (error, NN_IDX_ERROR, code, local->message);
      return FALSE;
    }
  r->file_size = size;
  r->buffer = g_malloc (READ_BUFFER_SIZE);
  r->z.next_in = r->buffer;
  r->z.avail_in = 0;
  if (!reader_fill (r, error))
    return FALSE;
  /* the gzip magic; a raw IDX file starts with two zero bytes */
  if (r->z.avail_in >= 2 && r->buffer[0] == 0x1f && r->buffer[1] == 0x8b)
    {
      int ret;

      r->gzip = TRUE;
      ret = inflateInit2 (&r->z, 16 + MAX_WBITS);   /* gzip wrapper only */
      if (ret != Z_OK)
        {
          g_set_error (error, NN_IDX_ERROR, NN_IDX_ERROR_TOO_LARGE,
                       "%s: cannot start decompressing (%s)", r->name,
                       ret == Z_MEM_ERROR ? "out of memory" : "zlib failed");
          return FALSE;
        }
      r->z_live = TRUE;
    }
  return TRUE;
}

/* Gives up to n (> 0) bytes of the file's contents, decompressed; *got == 0 only where the data
 * ends cleanly (raw: end of file; gzip: after a complete member, with nothing after it). */
static gboolean
reader_pull (Reader      *r,
             guint8      *buf,
             gsize        n,
             gsize       *got,
             GError     **error)
{
  n = MIN (n, (gsize) 1 << 30);
  *got = 0;
  if (!r->gzip)
    {
      ssize_t k;

      if (r->z.avail_in > 0)
        {
          gsize take = MIN (n, (gsize) r->z.avail_in);

          memcpy (buf, r->z.next_in, take);
          r->z.next_in += take;
          r->z.avail_in -= (uInt) take;
          *got = take;
          return TRUE;
        }
      if (r->eof)
        return TRUE;
      do
        k = read (r->fd, buf, n);
      while (k < 0 && errno == EINTR);
      if (k < 0)
        {
          int saved = errno;

          g_set_error (error, NN_IDX_ERROR, NN_IDX_ERROR_OPEN, "%s: cannot read (%s)", r->name,
                       g_strerror (saved));
          return FALSE;
        }
      if (k == 0)
        r->eof = TRUE;
      *got = (gsize) k;
      return TRUE;
    }

  for (;;)
    {
      int ret;

      if (r->member_ended)
        {
          /* gzip(1) reads concatenated members as one stream; anything else is refused */
          if (r->z.avail_in < 2 && !reader_fill (r, error))
            return FALSE;
          if (r->z.avail_in == 0)
            return TRUE;
          if (r->z.avail_in < 2 || r->z.next_in[0] != 0x1f || r->z.next_in[1] != 0x8b)
            {
              g_set_error (error, NN_IDX_ERROR, NN_IDX_ERROR_TRAILING_DATA,
                           "%s: unexpected data after the end of the compressed stream",
                           r->name);
              return FALSE;
            }
          if (inflateReset (&r->z) != Z_OK)
            {
              g_set_error (error, NN_IDX_ERROR, NN_IDX_ERROR_CORRUPT_GZIP,
                           "%s: the compressed data is damaged", r->name);
              return FALSE;
            }
          r->member_ended = FALSE;
        }
      if (r->z.avail_in == 0)
        {
          if (!reader_fill (r, error))
            return FALSE;
          if (r->z.avail_in == 0)
            {
              g_set_error (error, NN_IDX_ERROR, NN_IDX_ERROR_TRUNCATED,
                           "%s: the compressed data ends early (the file is cut short)",
                           r->name);
              return FALSE;
            }
        }
      r->z.next_out = buf;
      r->z.avail_out = (uInt) n;
      ret = inflate (&r->z, Z_NO_FLUSH);
      *got = n - r->z.avail_out;
      if (ret == Z_STREAM_END)
        r->member_ended = TRUE;
      else if (ret != Z_OK && ret != Z_BUF_ERROR)
        {
          /* a bad block, a bad header, a wrong CRC-32 or length in the trailer */
          *got = 0;
          g_set_error (error, NN_IDX_ERROR, NN_IDX_ERROR_CORRUPT_GZIP,
                       "%s: the compressed data is damaged (%s)", r->name,
                       r->z.msg != NULL ? r->z.msg
                       : ret == Z_MEM_ERROR ? "out of memory" : "zlib error");
          return FALSE;
        }
      if (*got > 0)
        return TRUE;
    }
}

/* Reads exactly n bytes; says how many arrived when the data ends early. */
static gboolean
reader_read (Reader      *r,
             guint8      *buf,
             guint64      n,
             const char  *what,
             GError     **error)
{
  guint64 done = 0;

  while (done < n)
    {
      gsize got;

      if (!reader_pull (r, buf + done, (gsize) (n - done), &got, error))
        return FALSE;
      if (got == 0)
        {
          g_set_error (error, NN_IDX_ERROR, NN_IDX_ERROR_TRUNCATED,
                       "%s: expected %" G_GUINT64_FORMAT " bytes of %s, the file ends after %"
                       G_GUINT64_FORMAT, r->name, n, what, done);
          return FALSE;
        }
      done += got;
    }
  return TRUE;
}

/* After the declared contents: nothing more, and in gzip files a complete, verified stream. */
static gboolean
reader_expect_end (Reader  *r,
                   GError **error)
{
  guint8 extra;
  gsize got;

  if (!reader_pull (r, &extra, 1, &got, error))
    return FALSE;
  if (got > 0)
    {
      g_set_error (error, NN_IDX_ERROR, NN_IDX_ERROR_TRAILING_DATA,
                   "%s: unexpected data after the declared contents", r->name);
      return FALSE;
    }
  return TRUE;
}

/* Refuses, before anything is allocated, a payload the file cannot hold: a raw file holds
 * exactly header + payload bytes, a gzip file at most DEFLATE_MAX_RATIO times its size. */
static gboolean
reader_check_size (Reader      *r,
                   guint64      header,
                   guint64      payload,
                   const char  *what,
                   GError     **error)
{
  if (!r->gzip && r->file_size != header + payload)
    {
      if (r->file_size < header + payload)
        g_set_error (error, NN_IDX_ERROR, NN_IDX_ERROR_TRUNCATED,
                     "%s: expected %" G_GUINT64_FORMAT " bytes of %s, the file ends after %"
                     G_GUINT64_FORMAT, r->name, payload, what, r->file_size - header);
      else
        g_set_error (error, NN_IDX_ERROR, NN_IDX_ERROR_TRAILING_DATA,
                     "%s: %" G_GUINT64_FORMAT " bytes of unexpected data after the declared "
                     "contents", r->name, r->file_size - header - payload);
      return FALSE;
    }
  if (r->gzip && header + payload > r->file_size * DEFLATE_MAX_RATIO)
    {
      g_set_error (error, NN_IDX_ERROR, NN_IDX_ERROR_TRUNCATED,
                   "%s: declares %" G_GUINT64_FORMAT " bytes of %s, more than %"
                   G_GUINT64_FORMAT " compressed bytes can hold", r->name, payload, what,
                   r->file_size);
      return FALSE;
    }
  return TRUE;
}

static guint32
be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

/* Reads and checks the header; dims receives n_dims sizes. */
static gboolean
read_header (Reader      *r,
             guint        n_dims,
             const char  *kind,
             guint32     *dims,
             GError     **error)
{
  guint8 head[4 + 4 * 3];

  if (!reader_read (r, head, 4, "header", error))
    return FALSE;
  if (head[0] != 0 || head[1] != 0)
    {
      g_set_error (error, NN_IDX_ERROR, NN_IDX_ERROR_BAD_MAGIC,
                   "%s: not an IDX file (magic number %08x)", r->name, be32 (head));
      return FALSE;
    }
  if (head[2] != 0x08)
    {
      g_set_error (error, NN_IDX_ERROR, NN_IDX_ERROR_BAD_TYPE,
                   "%s: element type 0x%02x is not supported (only unsigned bytes, 0x08)",
                   r->name, head[2]);
      return FALSE;
    }
  if (head[3] != n_dims)
    {
      g_set_error (error, NN_IDX_ERROR, NN_IDX_ERROR_BAD_MAGIC,
                   "%s: has %u dimensions, but %s files have %u (magic %08x, expected %08x)",
                   r->name, head[3], kind, n_dims, be32 (head), 0x0800u | n_dims);
      return FALSE;
    }
  if (!reader_read (r, head + 4, 4 * n_dims, "header", error))
    return FALSE;
  for (guint d = 0; d < n_dims; d++)
    dims[d] = be32 (head + 4 + 4 * d);
  return TRUE;
}

guint8 *
nn_idx_load_images (const char  *path,
                    size_t      *n_images,
                    size_t      *rows,
                    size_t      *cols,
                    GError     **error)
{
  Reader r = { .fd = -1 };
  guint32 dims[3];
  guint64 total;
  g_autofree guint8 *pixels = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!reader_open (&r, path, error))
    goto out;
  if (!read_header (&r, 3, "image", dims, error))
    goto out;
  if (dims[0] == 0 || dims[1] == 0 || dims[2] == 0)
    {
      g_set_error (error, NN_IDX_ERROR, NN_IDX_ERROR_BAD_DIMENSIONS,
                   "%s: declares %u images of %u×%u pixels; none may be zero", r.name, dims[0],
                   dims[1], dims[2]);
      goto out;
    }
  total = (guint64) dims[0] * dims[1] * dims[2];
  if (dims[1] > NN_IDX_MAX_SIDE || dims[2] > NN_IDX_MAX_SIDE || dims[0] > NN_IDX_MAX_COUNT ||
      total > NN_IDX_MAX_BYTES)
    {
      g_set_error (error, NN_IDX_ERROR, NN_IDX_ERROR_TOO_LARGE,
                   "%s: declares %u images of %u×%u pixels, more than Digit Lab accepts",
                   r.name, dims[0], dims[1], dims[2]);
      goto out;
    }
  if (!reader_check_size (&r, 16, total, "pixels", error))
    goto out;
  pixels = g_try_malloc (total);
  if (pixels == NULL)
    {
      g_set_error (error, NN_IDX_ERROR, NN_IDX_ERROR_TOO_LARGE,
                   "%s: not enough memory for %" G_GUINT64_FORMAT " bytes", r.name, total);
      goto out;
    }
  if (!reader_read (&r, pixels, total, "pixels", error) || !reader_expect_end (&r, error))
    {
      g_clear_pointer (&pixels, g_free);
      goto out;
    }
  *n_images = dims[0];
  *rows = dims[1];
  *cols = dims[2];
out:
  reader_close (&r);
  return g_steal_pointer (&pixels);
}

guint8 *
nn_idx_load_labels (const char  *path,
                    size_t      *n_labels,
                    GError     **error)
{
  Reader r = { .fd = -1 };
  guint32 dims[1];
  g_autofree guint8 *labels = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!reader_open (&r, path, error))
    goto out;
  if (!read_header (&r, 1, "label", dims, error))
    goto out;
  if (dims[0] == 0 || dims[0] > NN_IDX_MAX_COUNT)
    {
      g_set_error (error, NN_IDX_ERROR, dims[0] == 0 ? NN_IDX_ERROR_BAD_DIMENSIONS
                                                     : NN_IDX_ERROR_TOO_LARGE,
                   "%s: declares %u labels", r.name, dims[0]);
      goto out;
    }
  if (!reader_check_size (&r, 8, dims[0], "labels", error))
    goto out;
  labels = g_try_malloc (dims[0]);
  if (labels == NULL)
    {
      g_set_error (error, NN_IDX_ERROR, NN_IDX_ERROR_TOO_LARGE,
                   "%s: not enough memory for %u labels", r.name, dims[0]);
      goto out;
    }
  if (!reader_read (&r, labels, dims[0], "labels", error) || !reader_expect_end (&r, error))
    {
      g_clear_pointer (&labels, g_free);
      goto out;
    }
  *n_labels = dims[0];
out:
  reader_close (&r);
  return g_steal_pointer (&labels);
}

/* Writes header + payload to a temporary file beside path, then renames it into place. */
static gboolean
save_idx (const char    *path,
          guint          n_dims,
          const guint32 *dims,
          const guint8  *payload,
          guint64        size,
          GError       **error)
{
  g_autofree char *tmp = g_strdup_printf ("%s.XXXXXX", path);
  gboolean gz = g_str_has_suffix (path, ".gz");
  guint8 head[16] = { 0, 0, 0x08, (guint8) n_dims };
  gzFile out = NULL;
  int fd, saved;
  guint64 done = 0;

  for (guint d = 0; d < n_dims; d++)
    {
      head[4 + 4 * d] = (guint8) (dims[d] >> 24);
      head[5 + 4 * d] = (guint8) (dims[d] >> 16);
      head[6 + 4 * d] = (guint8) (dims[d] >> 8);
      head[7 + 4 * d] = (guint8) dims[d];
    }
  fd = g_mkstemp_full (tmp, O_WRONLY, 0644);
  if (fd < 0)
    {
      saved = errno;
      g_set_error (error, NN_IDX_ERROR, NN_IDX_ERROR_WRITE, "%s: cannot write (%s)", path,
                   g_strerror (saved));
      return FALSE;
    }
  out = gzdopen (fd, gz ? "wb6" : "wbT");
  if (out == NULL)
    {
      close (fd);
      goto fail;
    }
  if (gzwrite (out, head, 4 + 4 * n_dims) != (int) (4 + 4 * n_dims))
    goto fail;
  while (done < size)
    {
      unsigned chunk = (unsigned) MIN (size - done, (guint64) 1 << 30);

      if (gzwrite (out, payload + done, chunk) != (int) chunk)
        goto fail;
      done += chunk;
    }
  if (gzclose (out) != Z_OK)
    {
      out = NULL;
      goto fail;
    }
  out = NULL;
  if (g_rename (tmp, path) != 0)
    goto fail;
  return TRUE;

fail:
  saved = errno;
  if (out != NULL)
    gzclose (out);
  g_unlink (tmp);
  g_set_error (error, NN_IDX_ERROR, NN_IDX_ERROR_WRITE, "%s: cannot write (%s)", path,
               saved != 0 ? g_strerror (saved) : "write failed");
  return FALSE;
}

gboolean
nn_idx_save_images (const char    *path,
                    const guint8  *pixels,
                    size_t         n_images,
                    size_t         rows,
                    size_t         cols,
                    GError       **error)
{
  guint32 dims[3] = { (guint32) n_images, (guint32) rows, (guint32) cols };

  g_return_val_if_fail (path != NULL && (pixels != NULL || n_images == 0), FALSE);
  g_return_val_if_fail (n_images <= G_MAXUINT32 && rows <= G_MAXUINT32 && cols <= G_MAXUINT32,
                        FALSE);
  return save_idx (path, 3, dims, pixels, (guint64) n_images * rows * cols, error);
}

gboolean
nn_idx_save_labels (const char    *path,
                    const guint8  *labels,
                    size_t         n_labels,
                    GError       **error)
{
  guint32 dims[1] = { (guint32) n_labels };

  g_return_val_if_fail (path != NULL && (labels != NULL || n_labels == 0), FALSE);
  g_return_val_if_fail (n_labels <= G_MAXUINT32, FALSE);
  return save_idx (path, 1, dims, labels, n_labels, error);
}
