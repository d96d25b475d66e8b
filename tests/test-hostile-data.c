/* test-hostile-data.c: malformed IDX, gzip and PNG files and non-files, each with its exact error */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <png.h>
#include <zlib.h>

#include "fixtures.h"
#include "nn-dataset.h"
#include "nn-file.h"
#include "nn-idx.h"
#include "nn-png.h"
#include "nn-preprocess.h"

/* A case that hangs is killed by this alarm (the test then fails), not by meson's timeout. */
#define CASE_SECONDS 30

typedef enum
{
  LOAD_IMAGES,
  LOAD_LABELS,
  LOAD_SET,       /* an image file (bytes) and a label file (labels), through nn_image_set_load */
  LOAD_PNG,
} Loader;

typedef enum
{
  FILE_BYTES,     /* a regular file holding bytes */
  FILE_DEV_ZERO,  /* a link to /dev/zero, endless */
  FILE_DEV_NULL,
  FILE_FIFO,      /* a FIFO with no writer */
  FILE_FOLDER,
  FILE_DANGLING,  /* a symbolic link to nothing */
  FILE_LOOP,      /* two symbolic links to each other */
  FILE_MISSING,
  FILE_SPARSE,    /* a regular file of sparse_size bytes, all holes */
} FileKind;

typedef struct
{
  char     *name;
  Loader    loader;
  FileKind  file;
  GBytes   *bytes;
  GBytes   *labels;        /* LOAD_SET */
  size_t    n_classes;     /* LOAD_SET */
  guint64   sparse_size;
  GQuark    domain;        /* 0: the file must load */
  int       code;
  GBytes   *expect;        /* when it loads: the pixels, labels or gray values */
  size_t    dims[3];       /* when it loads: (n, rows, cols), (n) or (width, height) */
  gboolean  no_ink;        /* a PNG that loads: preprocessing finds no ink */
} Case;

static GPtrArray *cases;

static void
case_free (gpointer data)
{
  Case *c = data;

  g_free (c->name);
  g_clear_pointer (&c->bytes, g_bytes_unref);
  g_clear_pointer (&c->labels, g_bytes_unref);
  g_clear_pointer (&c->expect, g_bytes_unref);
  g_free (c);
}

/* Adds a case expecting an error (domain != 0); takes bytes. */
static Case *
add_case (const char *name,
          Loader      loader,
          GBytes     *bytes,
          GQuark      domain,
          int         code)
{
  Case *c = g_new0 (Case, 1);

  c->name = g_strdup (name);
  c->loader = loader;
  c->file = FILE_BYTES;
  c->bytes = bytes;
  c->domain = domain;
  c->code = code;
  c->n_classes = 10;
  g_ptr_array_add (cases, c);
  return c;
}

static GBytes *
bytes_cat (GBytes *a,
           GBytes *b)
{
  GByteArray *out = g_byte_array_new ();

  g_byte_array_append (out, g_bytes_get_data (a, NULL), (guint) g_bytes_get_size (a));
  g_byte_array_append (out, g_bytes_get_data (b, NULL), (guint) g_bytes_get_size (b));
  return g_byte_array_free_to_bytes (out);
}

static GBytes *
bytes_prefix (GBytes *a,
              gsize   n)
{
  g_assert_cmpuint (n, <=, g_bytes_get_size (a));
  return g_bytes_new (g_bytes_get_data (a, NULL), n);
}

/* ----------------------------------------------------------------------------------------- */
/* IDX                                                                                        */

static void
put_be32 (guint8  *p,
          guint32  v)
{
  p[0] = (guint8) (v >> 24);
  p[1] = (guint8) (v >> 16);
  p[2] = (guint8) (v >> 8);
  p[3] = (guint8) v;
}

/* An IDX file: magic bytes 0, 0, type, n_dims, the dimensions, then payload_size bytes of a
 * pattern (or nothing when payload_size is 0). */
static GBytes *
idx_bytes (guint8         type,
           guint8         n_dims,
           const guint32 *dims,
           gsize          payload_size)
{
  gsize head = 4 + 4 * (gsize) n_dims;
  guint8 *data = g_malloc (head + payload_size);

  data[0] = 0;
  data[1] = 0;
  data[2] = type;
  data[3] = n_dims;
  for (guint d = 0; d < n_dims; d++)
    put_be32 (data + 4 + 4 * d, dims[d]);
  for (gsize i = 0; i < payload_size; i++)
    data[head + i] = (guint8) (i * 7 + i / 29);
  return g_bytes_new_take (data, head + payload_size);
}

static GBytes *
images_bytes (guint32 n,
              guint32 rows,
              guint32 cols)
{
  guint32 dims[3] = { n, rows, cols };

  return idx_bytes (0x08, 3, dims, (gsize) n * rows * cols);
}

static GBytes *
labels_bytes (guint32       n,
              const guint8 *labels)
{
  guint32 dims[1] = { n };
  GBytes *raw = idx_bytes (0x08, 1, dims, 0);
  GBytes *payload = g_bytes_new (labels, n);
  GBytes *out = bytes_cat (raw, payload);

  g_bytes_unref (raw);
  g_bytes_unref (payload);
  return out;
}

/* One gzip member of data, as gzip(1) writes it; name, when given, goes into the header. */
static GBytes *
gzip_member (const guint8 *data,
             gsize         size,
             const char   *name)
{
  GByteArray *out = g_byte_array_new ();
  gz_header header = { 0 };
  z_stream z = { 0 };
  guint8 chunk[16384];
  int ret;

  g_assert_cmpint (deflateInit2 (&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), ==,
                   Z_OK);
  if (name != NULL)
    {
      header.name = (Bytef *) name;
      header.comment = (Bytef *) "a comment";
      header.extra = (Bytef *) "XY\002\000ab";
      header.extra_len = 6;
      header.hcrc = 1;
      g_assert_cmpint (deflateSetHeader (&z, &header), ==, Z_OK);
    }
  z.next_in = (Bytef *) data;
  z.avail_in = (uInt) size;
  do
    {
      z.next_out = chunk;
      z.avail_out = sizeof chunk;
      ret = deflate (&z, Z_FINISH);
      g_assert_true (ret == Z_OK || ret == Z_STREAM_END || ret == Z_BUF_ERROR);
      g_byte_array_append (out, chunk, (guint) (sizeof chunk - z.avail_out));
    }
  while (ret != Z_STREAM_END);
  deflateEnd (&z);
  return g_byte_array_free_to_bytes (out);
}

static GBytes *
gzip_bytes (GBytes *raw)
{
  return gzip_member (g_bytes_get_data (raw, NULL), g_bytes_get_size (raw), NULL);
}

/* A gzip member whose contents are head followed by n_zeros zero bytes, compressed as they
 * stream: a file of a few tens of kilobytes that inflates to n_zeros bytes. */
static GBytes *
gzip_bomb (GBytes  *head,
           guint64  n_zeros)
{
  static const guint8 zeros[1 << 16];
  GByteArray *out = g_byte_array_new ();
  z_stream z = { 0 };
  guint8 chunk[16384];
  int ret;

  g_assert_cmpint (deflateInit2 (&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY), ==,
                   Z_OK);
  z.next_in = (Bytef *) g_bytes_get_data (head, NULL);
  z.avail_in = (uInt) g_bytes_get_size (head);
  for (;;)
    {
      int flush;

      if (z.avail_in == 0 && n_zeros > 0)
        {
          z.next_in = (Bytef *) zeros;
          z.avail_in = (uInt) MIN (n_zeros, sizeof zeros);
          n_zeros -= z.avail_in;
        }
      flush = n_zeros == 0 ? Z_FINISH : Z_NO_FLUSH;
      z.next_out = chunk;
      z.avail_out = sizeof chunk;
      ret = deflate (&z, flush);
      g_assert_true (ret == Z_OK || ret == Z_STREAM_END || ret == Z_BUF_ERROR);
      g_byte_array_append (out, chunk, (guint) (sizeof chunk - z.avail_out));
      if (ret == Z_STREAM_END)
        break;
    }
  deflateEnd (&z);
  return g_byte_array_free_to_bytes (out);
}

/* A copy of bytes with the byte at offset (from the end when negative) set to value. */
static GBytes *
bytes_with (GBytes *bytes,
            gssize  offset,
            guint8  value)
{
  gsize size = g_bytes_get_size (bytes);
  guint8 *data = g_memdup2 (g_bytes_get_data (bytes, NULL), size);

  data[offset < 0 ? (gssize) size + offset : offset] = value;
  return g_bytes_new_take (data, size);
}

/* A copy of bytes with the byte at offset (from the end when negative) XORed with mask. */
static GBytes *
bytes_xor (GBytes *bytes,
           gssize  offset,
           guint8  mask)
{
  gsize size = g_bytes_get_size (bytes);
  guint8 *data = g_memdup2 (g_bytes_get_data (bytes, NULL), size);

  data[offset < 0 ? (gssize) size + offset : offset] ^= mask;
  return g_bytes_new_take (data, size);
}

static void
add_idx_cases (void)
{
  static const guint8 bad_types[] = { 0x00, 0x09, 0x0b, 0x0c, 0x0d, 0x0e, 0x07, 0xff };
  static const guint8 bad_dims[] = { 0, 1, 2, 4, 255 };
  static const guint32 huge[][3] = {
    { 1, 4097, 28 },               /* a side past NN_IDX_MAX_SIDE */
    { 1, 28, 65536 },
    { 0x80000000u, 28, 28 },       /* 2^31 images */
    { 0xffffffffu, 1, 1 },
    { 0xffffffffu, 0xffffffffu, 0xffffffffu },
    { 10000000, 28, 28 },          /* within each limit, 7.8 GB in all */
    { 3000, 4096, 4096 },
  };
  guint8 labels[5] = { 3, 1, 4, 1, 5 };
  g_autoptr(GBytes) good = images_bytes (3, 28, 28);
  g_autoptr(GBytes) good_labels = labels_bytes (5, labels);
  gsize good_size = g_bytes_get_size (good);
  char name[128];
  Case *c;

  /* a well-formed file reads back exactly; the corpus below breaks one thing at a time */
  c = add_case ("idx/raw/valid", LOAD_IMAGES, g_bytes_ref (good), 0, 0);
  c->expect = g_bytes_new_from_bytes (good, 16, good_size - 16);
  c->dims[0] = 3, c->dims[1] = 28, c->dims[2] = 28;

  add_case ("idx/raw/magic-byte-0", LOAD_IMAGES, bytes_with (good, 0, 0x01), NN_IDX_ERROR,
            NN_IDX_ERROR_BAD_MAGIC);
  add_case ("idx/raw/magic-byte-1", LOAD_IMAGES, bytes_with (good, 1, 0x08), NN_IDX_ERROR,
            NN_IDX_ERROR_BAD_MAGIC);
  add_case ("idx/raw/magic-text", LOAD_IMAGES, g_bytes_new_static ("GIF89a, not IDX at all", 22),
            NN_IDX_ERROR, NN_IDX_ERROR_BAD_MAGIC);
  for (gsize i = 0; i < G_N_ELEMENTS (bad_types); i++)
    {
      g_snprintf (name, sizeof name, "idx/raw/type-0x%02x", bad_types[i]);
      add_case (name, LOAD_IMAGES, bytes_with (good, 2, bad_types[i]), NN_IDX_ERROR,
                NN_IDX_ERROR_BAD_TYPE);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (bad_dims); i++)
    {
      g_snprintf (name, sizeof name, "idx/raw/images-with-%u-dimensions", bad_dims[i]);
      add_case (name, LOAD_IMAGES, bytes_with (good, 3, bad_dims[i]), NN_IDX_ERROR,
                NN_IDX_ERROR_BAD_MAGIC);
    }
  add_case ("idx/raw/labels-as-images", LOAD_IMAGES, g_bytes_ref (good_labels), NN_IDX_ERROR,
            NN_IDX_ERROR_BAD_MAGIC);
  add_case ("idx/raw/images-as-labels", LOAD_LABELS, g_bytes_ref (good), NN_IDX_ERROR,
            NN_IDX_ERROR_BAD_MAGIC);

  /* zero dimensions */
  for (int d = 0; d < 3; d++)
    {
      guint32 dims[3] = { 3, 28, 28 };

      dims[d] = 0;
      g_snprintf (name, sizeof name, "idx/raw/zero-dimension-%d", d);
      add_case (name, LOAD_IMAGES, idx_bytes (0x08, 3, dims, 0), NN_IDX_ERROR,
                NN_IDX_ERROR_BAD_DIMENSIONS);
    }
  {
    guint32 dims[1] = { 0 };

    add_case ("idx/raw/zero-labels", LOAD_LABELS, idx_bytes (0x08, 1, dims, 0), NN_IDX_ERROR,
              NN_IDX_ERROR_BAD_DIMENSIONS);
  }

  /* huge dimensions: refused from the header, with only the header in the file */
  for (gsize i = 0; i < G_N_ELEMENTS (huge); i++)
    {
      g_snprintf (name, sizeof name, "idx/raw/huge-%ux%ux%u", huge[i][0], huge[i][1],
                  huge[i][2]);
      add_case (name, LOAD_IMAGES, idx_bytes (0x08, 3, huge[i], 0), NN_IDX_ERROR,
                NN_IDX_ERROR_TOO_LARGE);
    }
  {
    guint32 n[] = { 0x80000000u, NN_IDX_MAX_COUNT + 1 };

    for (gsize i = 0; i < G_N_ELEMENTS (n); i++)
      {
        g_snprintf (name, sizeof name, "idx/raw/huge-%u-labels", n[i]);
        add_case (name, LOAD_LABELS, idx_bytes (0x08, 1, n + i, 0), NN_IDX_ERROR,
                  NN_IDX_ERROR_TOO_LARGE);
      }
  }
  /* within the limits, but far more than the file holds: refused before allocating */
  {
    guint32 dims[3] = { 2000000, 28, 28 };
    guint32 n[1] = { NN_IDX_MAX_COUNT };

    add_case ("idx/raw/1500-MB-declared-in-100-bytes", LOAD_IMAGES,
              idx_bytes (0x08, 3, dims, 84), NN_IDX_ERROR, NN_IDX_ERROR_TRUNCATED);
    add_case ("idx/raw/10M-labels-declared-in-8-bytes", LOAD_LABELS, idx_bytes (0x08, 1, n, 0),
              NN_IDX_ERROR, NN_IDX_ERROR_TRUNCATED);
  }

  /* truncated at every header offset, and in the data */
  for (gsize cut = 0; cut < 16; cut++)
    {
      g_snprintf (name, sizeof name, "idx/raw/images-cut-at-%zu", cut);
      add_case (name, LOAD_IMAGES, bytes_prefix (good, cut), NN_IDX_ERROR,
                NN_IDX_ERROR_TRUNCATED);
    }
  for (gsize cut = 0; cut < 8; cut++)
    {
      g_snprintf (name, sizeof name, "idx/raw/labels-cut-at-%zu", cut);
      add_case (name, LOAD_LABELS, bytes_prefix (good_labels, cut), NN_IDX_ERROR,
                NN_IDX_ERROR_TRUNCATED);
    }
  add_case ("idx/raw/pixels-cut-1-short", LOAD_IMAGES, bytes_prefix (good, good_size - 1),
            NN_IDX_ERROR, NN_IDX_ERROR_TRUNCATED);
  add_case ("idx/raw/pixels-cut-in-half", LOAD_IMAGES, bytes_prefix (good, 16 + 3 * 784 / 2),
            NN_IDX_ERROR, NN_IDX_ERROR_TRUNCATED);
  add_case ("idx/raw/labels-cut-1-short", LOAD_LABELS, bytes_prefix (good_labels, 12),
            NN_IDX_ERROR, NN_IDX_ERROR_TRUNCATED);

  /* trailing data */
  {
    g_autoptr(GBytes) one = g_bytes_new_static ("\0", 1);
    g_autoptr(GBytes) text = g_bytes_new_static ("trailing text", 13);

    add_case ("idx/raw/one-zero-byte-after", LOAD_IMAGES, bytes_cat (good, one), NN_IDX_ERROR,
              NN_IDX_ERROR_TRAILING_DATA);
    add_case ("idx/raw/text-after", LOAD_IMAGES, bytes_cat (good, text), NN_IDX_ERROR,
              NN_IDX_ERROR_TRAILING_DATA);
    add_case ("idx/raw/file-twice", LOAD_IMAGES, bytes_cat (good, good), NN_IDX_ERROR,
              NN_IDX_ERROR_TRAILING_DATA);
    add_case ("idx/raw/labels-one-byte-after", LOAD_LABELS, bytes_cat (good_labels, one),
              NN_IDX_ERROR, NN_IDX_ERROR_TRAILING_DATA);
  }

  /* labels against images and classes, through the image set */
  {
    g_autoptr(GBytes) three = images_bytes (5, 4, 4);
    guint8 out_of_range[5] = { 0, 1, 10, 2, 3 };
    guint8 last_255[5] = { 0, 1, 2, 3, 255 };

    c = add_case ("idx/set/label-10-of-10-classes", LOAD_SET, g_bytes_ref (three), NN_IDX_ERROR,
                  NN_IDX_ERROR_BAD_LABEL);
    c->labels = labels_bytes (5, out_of_range);
    c = add_case ("idx/set/label-255", LOAD_SET, g_bytes_ref (three), NN_IDX_ERROR,
                  NN_IDX_ERROR_BAD_LABEL);
    c->labels = labels_bytes (5, last_255);
    c = add_case ("idx/set/label-5-of-2-classes", LOAD_SET, g_bytes_ref (three), NN_IDX_ERROR,
                  NN_IDX_ERROR_BAD_LABEL);
    c->labels = labels_bytes (5, labels);
    c->n_classes = 2;
    c = add_case ("idx/set/4-labels-for-5-images", LOAD_SET, g_bytes_ref (three), NN_IDX_ERROR,
                  NN_IDX_ERROR_COUNT_MISMATCH);
    c->labels = labels_bytes (4, labels);
    c = add_case ("idx/set/valid-16x16", LOAD_SET, images_bytes (5, 16, 16), 0, 0);
    c->labels = labels_bytes (5, labels);
    c->dims[0] = 5, c->dims[1] = 16, c->dims[2] = 16;
  }
}

static void
add_gzip_cases (void)
{
  guint8 labels[5] = { 3, 1, 4, 1, 5 };
  g_autoptr(GBytes) raw = images_bytes (3, 28, 28);
  g_autoptr(GBytes) good = gzip_bytes (raw);
  g_autoptr(GBytes) raw_labels = labels_bytes (5, labels);
  g_autoptr(GBytes) good_labels = gzip_bytes (raw_labels);
  gsize raw_size = g_bytes_get_size (raw), size = g_bytes_get_size (good);
  const gsize cuts[] = { 1, 2, 3, 9, 10, 11, 20, size / 4, size / 2, size - 9, size - 8,
                         size - 5, size - 4, size - 1 };
  char name[128];
  Case *c;

  c = add_case ("gzip/valid", LOAD_IMAGES, g_bytes_ref (good), 0, 0);
  c->expect = g_bytes_new_from_bytes (raw, 16, raw_size - 16);
  c->dims[0] = 3, c->dims[1] = 28, c->dims[2] = 28;
  {
    /* a name, comment, extra field and header CRC, as some tools write */
    GBytes *named = gzip_member (g_bytes_get_data (raw, NULL), raw_size, "images");

    c = add_case ("gzip/valid-with-name-and-comment", LOAD_IMAGES, named, 0, 0);
    c->expect = g_bytes_new_from_bytes (raw, 16, raw_size - 16);
    c->dims[0] = 3, c->dims[1] = 28, c->dims[2] = 28;
  }

  /* the header's checks hold inside gzip too */
  {
    g_autoptr(GBytes) magic = bytes_with (raw, 1, 0x09);
    g_autoptr(GBytes) type = bytes_with (raw, 2, 0x0d);
    guint32 zero[3] = { 0, 28, 28 }, big[3] = { 0x80000000u, 28, 28 };
    g_autoptr(GBytes) zero_raw = idx_bytes (0x08, 3, zero, 0);
    g_autoptr(GBytes) big_raw = idx_bytes (0x08, 3, big, 0);

    add_case ("gzip/bad-magic", LOAD_IMAGES, gzip_bytes (magic), NN_IDX_ERROR,
              NN_IDX_ERROR_BAD_MAGIC);
    add_case ("gzip/bad-type", LOAD_IMAGES, gzip_bytes (type), NN_IDX_ERROR,
              NN_IDX_ERROR_BAD_TYPE);
    add_case ("gzip/zero-images", LOAD_IMAGES, gzip_bytes (zero_raw), NN_IDX_ERROR,
              NN_IDX_ERROR_BAD_DIMENSIONS);
    add_case ("gzip/2-to-the-31-images", LOAD_IMAGES, gzip_bytes (big_raw), NN_IDX_ERROR,
              NN_IDX_ERROR_TOO_LARGE);
  }

  /* cut anywhere: in the gzip header, the deflate data, the CRC-32, the length */
  for (gsize i = 0; i < G_N_ELEMENTS (cuts); i++)
    {
      g_snprintf (name, sizeof name, "gzip/cut-at-%zu-of-%zu", cuts[i], size);
      add_case (name, LOAD_IMAGES, bytes_prefix (good, cuts[i]), NN_IDX_ERROR,
                NN_IDX_ERROR_TRUNCATED);
    }
  add_case ("gzip/labels-cut-before-trailer", LOAD_LABELS,
            bytes_prefix (good_labels, g_bytes_get_size (good_labels) - 8), NN_IDX_ERROR,
            NN_IDX_ERROR_TRUNCATED);
  /* the contents cut short, compressed whole: the gzip stream is fine, the IDX file is not */
  {
    g_autoptr(GBytes) short_raw = bytes_prefix (raw, raw_size - 100);

    add_case ("gzip/contents-short", LOAD_IMAGES, gzip_bytes (short_raw), NN_IDX_ERROR,
              NN_IDX_ERROR_TRUNCATED);
  }

  /* damage that zlib detects */
  add_case ("gzip/bad-crc", LOAD_IMAGES, bytes_xor (good, -8, 0x01), NN_IDX_ERROR,
            NN_IDX_ERROR_CORRUPT_GZIP);
  add_case ("gzip/bad-isize", LOAD_IMAGES, bytes_xor (good, -4, 0x01), NN_IDX_ERROR,
            NN_IDX_ERROR_CORRUPT_GZIP);
  {
    g_autoptr(GBytes) a = bytes_with (good, -1, 0xff);
    g_autoptr(GBytes) b = bytes_with (a, -2, 0xff);

    /* ISIZE 0xffffXXXX: never used to size anything */
    add_case ("gzip/isize-4-GB", LOAD_IMAGES, bytes_with (b, -3, 0xff), NN_IDX_ERROR,
              NN_IDX_ERROR_CORRUPT_GZIP);
  }
  add_case ("gzip/labels-bad-crc", LOAD_LABELS, bytes_xor (good_labels, -6, 0x5a),
            NN_IDX_ERROR, NN_IDX_ERROR_CORRUPT_GZIP);
  add_case ("gzip/method-not-deflate", LOAD_IMAGES, bytes_with (good, 2, 0x07), NN_IDX_ERROR,
            NN_IDX_ERROR_CORRUPT_GZIP);
  add_case ("gzip/reserved-flags", LOAD_IMAGES, bytes_with (good, 3, 0xe0), NN_IDX_ERROR,
            NN_IDX_ERROR_CORRUPT_GZIP);
  add_case ("gzip/reserved-block-type", LOAD_IMAGES, bytes_with (good, 10, 0x07), NN_IDX_ERROR,
            NN_IDX_ERROR_CORRUPT_GZIP);

  /* after the member: garbage is refused as raw trailing data is, whatever it is */
  {
    static const struct { const char *name; const char *data; gsize n; } garbage[] = {
      { "text", "garbage", 7 },
      { "one-zero-byte", "\0", 1 },
      { "half-a-magic", "\x1f", 1 },
      { "gzip-magic-then-junk", "\x1f\x8b\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 12 },
    };

    for (gsize i = 0; i < G_N_ELEMENTS (garbage); i++)
      {
        g_autoptr(GBytes) tail = g_bytes_new_static (garbage[i].data, garbage[i].n);

        g_snprintf (name, sizeof name, "gzip/then-%s", garbage[i].name);
        add_case (name, LOAD_IMAGES, bytes_cat (good, tail), NN_IDX_ERROR,
                  i == 3 ? NN_IDX_ERROR_CORRUPT_GZIP : NN_IDX_ERROR_TRAILING_DATA);
      }
  }
  {
    g_autoptr(GBytes) zeros = g_bytes_new_take (g_malloc0 (512), 512);

    add_case ("gzip/then-512-zero-bytes", LOAD_IMAGES, bytes_cat (good, zeros), NN_IDX_ERROR,
              NN_IDX_ERROR_TRAILING_DATA);
    add_case ("gzip/then-the-raw-file", LOAD_IMAGES, bytes_cat (good, raw), NN_IDX_ERROR,
              NN_IDX_ERROR_TRAILING_DATA);
    add_case ("gzip/labels-then-text", LOAD_LABELS, bytes_cat (good_labels, raw_labels),
              NN_IDX_ERROR, NN_IDX_ERROR_TRAILING_DATA);
  }

  /* concatenated members are one stream, as gzip(1) reads them */
  {
    g_autoptr(GBytes) first = gzip_member (g_bytes_get_data (raw, NULL), 16, NULL);
    g_autoptr(GBytes) second = gzip_member ((const guint8 *) g_bytes_get_data (raw, NULL) + 16,
                                            1000, NULL);
    g_autoptr(GBytes) third = gzip_member ((const guint8 *) g_bytes_get_data (raw, NULL) + 1016,
                                           raw_size - 1016, NULL);
    g_autoptr(GBytes) empty = gzip_member ((const guint8 *) "", 0, NULL);
    g_autoptr(GBytes) two = bytes_cat (first, second);
    g_autoptr(GBytes) three = bytes_cat (two, third);
    g_autoptr(GBytes) with_empty = bytes_cat (two, empty);
    g_autoptr(GBytes) with_empty3 = bytes_cat (with_empty, third);
    g_autoptr(GBytes) one_more = gzip_member ((const guint8 *) "x", 1, NULL);
    g_autoptr(GBytes) bad_third = bytes_xor (third, -7, 0x42);

    c = add_case ("gzip/three-members", LOAD_IMAGES, g_bytes_ref (three), 0, 0);
    c->expect = g_bytes_new_from_bytes (raw, 16, raw_size - 16);
    c->dims[0] = 3, c->dims[1] = 28, c->dims[2] = 28;
    c = add_case ("gzip/members-and-an-empty-one", LOAD_IMAGES, bytes_cat (with_empty3, empty),
                  0, 0);
    c->expect = g_bytes_new_from_bytes (raw, 16, raw_size - 16);
    c->dims[0] = 3, c->dims[1] = 28, c->dims[2] = 28;
    add_case ("gzip/second-member-too-many", LOAD_IMAGES, bytes_cat (good, one_more),
              NN_IDX_ERROR, NN_IDX_ERROR_TRAILING_DATA);
    add_case ("gzip/second-member-missing", LOAD_IMAGES, g_bytes_ref (two), NN_IDX_ERROR,
              NN_IDX_ERROR_TRUNCATED);
    add_case ("gzip/last-member-bad-crc", LOAD_IMAGES, bytes_cat (two, bad_third),
              NN_IDX_ERROR, NN_IDX_ERROR_CORRUPT_GZIP);
  }

  /* bombs: a header declaring little, a stream inflating to much more; only what the header
   * declares is allocated, and inflating stops one byte past it */
  {
    g_autoptr(GBytes) one_image = images_bytes (1, 28, 28);
    guint8 one_label = 7;
    g_autoptr(GBytes) one_label_file = labels_bytes (1, &one_label);
    guint32 many[3] = { 2000, 28, 28 };
    g_autoptr(GBytes) many_head = idx_bytes (0x08, 3, many, 0);

    add_case ("gzip/bomb-1-image-then-256-MB", LOAD_IMAGES,
              gzip_bomb (one_image, (guint64) 256 << 20), NN_IDX_ERROR,
              NN_IDX_ERROR_TRAILING_DATA);
    add_case ("gzip/bomb-1-label-then-64-MB", LOAD_LABELS,
              gzip_bomb (one_label_file, (guint64) 64 << 20), NN_IDX_ERROR,
              NN_IDX_ERROR_TRAILING_DATA);
    /* declares 1.5 MB in a file too small to inflate to it: refused before allocating */
    add_case ("gzip/1500-KB-declared-in-a-tiny-file", LOAD_IMAGES, gzip_bytes (many_head),
              NN_IDX_ERROR, NN_IDX_ERROR_TRUNCATED);
  }
}

/* ----------------------------------------------------------------------------------------- */
/* PNG                                                                                        */

static void
on_png_write (png_structp png,
              png_bytep   data,
              png_size_t  n)
{
  g_byte_array_append (png_get_io_ptr (png), data, (guint) n);
}

static void
on_png_flush (png_structp png)
{
}

/* A width × height PNG of gray value pattern (x * 5 + y * 3) & 0xff, or value when >= 0, in any
 * colour type; colours are gray (r = g = b) and alpha opaque, so the expected gray is exact. */
static GBytes *
png_bytes (guint32 width,
           guint32 height,
           int     color_type,
           int     bit_depth,
           int     interlace,
           int     value)
{
  GByteArray *out = g_byte_array_new ();
  png_structp png = png_create_write_struct (PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png_create_info_struct (png);
  int channels = color_type == PNG_COLOR_TYPE_GRAY ? 1
                 : color_type == PNG_COLOR_TYPE_GRAY_ALPHA ? 2
                 : color_type == PNG_COLOR_TYPE_RGB ? 3
                 : color_type == PNG_COLOR_TYPE_RGBA ? 4 : 1;
  int bytes = bit_depth == 16 ? 2 : 1;
  gsize stride = (gsize) width * channels * bytes;
  g_autofree guint8 *pixels = g_malloc (stride * height);
  g_autofree png_bytep *rows = g_new (png_bytep, height);

  png_set_write_fn (png, out, on_png_write, on_png_flush);
  png_set_IHDR (png, info, width, height, bit_depth, color_type, interlace,
                PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (color_type == PNG_COLOR_TYPE_PALETTE)
    {
      png_color palette[256];

      for (int i = 0; i < 256; i++)
        palette[i].red = palette[i].green = palette[i].blue = (png_byte) i;
      png_set_PLTE (png, info, palette, 256);
    }
  png_write_info (png, info);
  for (guint32 y = 0; y < height; y++)
    {
      rows[y] = pixels + y * stride;
      for (guint32 x = 0; x < width; x++)
        for (int ch = 0; ch < channels; ch++)
          {
            guint v = value >= 0 ? (guint) value : (x * 5 + y * 3) & 0xff;
            gboolean alpha = (color_type & PNG_COLOR_MASK_ALPHA) && ch == channels - 1;
            guint8 *p = rows[y] + ((gsize) x * channels + ch) * bytes;

            if (alpha)
              v = 255;
            p[0] = (guint8) v;
            if (bytes == 2)
              p[1] = (guint8) v;      /* v × 257: the 8-bit value exactly */
          }
    }
  png_write_image (png, rows);
  png_write_end (png, info);
  png_destroy_write_struct (&png, &info);
  return g_byte_array_free_to_bytes (out);
}

static GBytes *
png_expected (guint32 width,
              guint32 height,
              int     value)
{
  guint8 *gray = g_malloc ((gsize) width * height);

  for (guint32 y = 0; y < height; y++)
    for (guint32 x = 0; x < width; x++)
      gray[(gsize) y * width + x] = (guint8) (value >= 0 ? (guint) value : (x * 5 + y * 3) & 0xff);
  return g_bytes_new_take (gray, (gsize) width * height);
}

/* Offset of the first chunk of that type (its length field), or 0. */
static gsize
png_find_chunk (GBytes     *png,
                const char *type)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (png, &size);

  for (gsize at = 8; at + 12 <= size;)
    {
      guint32 length = ((guint32) data[at] << 24) | ((guint32) data[at + 1] << 16) |
                       ((guint32) data[at + 2] << 8) | data[at + 3];

      if (memcmp (data + at + 4, type, 4) == 0)
        return at;
      at += 12 + (gsize) length;
    }
  return 0;
}

/* A chunk: length, type, data, CRC-32 over type and data (bad_crc flips it). */
static GBytes *
png_chunk (const char   *type,
           const guint8 *data,
           guint32       length,
           gboolean      bad_crc)
{
  guint8 *chunk = g_malloc (12 + (gsize) length);
  guint32 crc;

  put_be32 (chunk, length);
  memcpy (chunk + 4, type, 4);
  if (length > 0)
    memcpy (chunk + 8, data, length);
  crc = (guint32) crc32 (0, chunk + 4, 4 + length);
  put_be32 (chunk + 8 + length, bad_crc ? ~crc : crc);
  return g_bytes_new_take (chunk, 12 + (gsize) length);
}

/* The PNG with IHDR's data replaced: width, height and the five one-byte fields. */
static GBytes *
png_with_ihdr (GBytes  *png,
               guint32  width,
               guint32  height,
               int      bit_depth,
               int      color_type,
               int      compression,
               int      filter,
               int      interlace)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (png, &size);
  guint8 ihdr[13];
  g_autoptr(GBytes) head = g_bytes_new (data, 8);
  g_autoptr(GBytes) chunk = NULL;
  g_autoptr(GBytes) tail = g_bytes_new (data + 33, size - 33);
  g_autoptr(GBytes) start = NULL;

  put_be32 (ihdr, width);
  put_be32 (ihdr + 4, height);
  ihdr[8] = (guint8) bit_depth;
  ihdr[9] = (guint8) color_type;
  ihdr[10] = (guint8) compression;
  ihdr[11] = (guint8) filter;
  ihdr[12] = (guint8) interlace;
  chunk = png_chunk ("IHDR", ihdr, 13, FALSE);
  start = bytes_cat (head, chunk);
  return bytes_cat (start, tail);
}

/* The PNG up to chunk_at, then the given chunks, then the PNG from resume_at. */
static GBytes *
png_splice (GBytes *png,
            gsize   chunk_at,
            GBytes *insert,
            gsize   resume_at)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (png, &size);
  g_autoptr(GBytes) head = g_bytes_new (data, chunk_at);
  g_autoptr(GBytes) tail = g_bytes_new (data + resume_at, size - resume_at);
  g_autoptr(GBytes) start = bytes_cat (head, insert);

  return bytes_cat (start, tail);
}

static void
add_png_cases (void)
{
  static const struct { const char *name; int color_type, bit_depth, interlace; } formats[] = {
    { "gray-8", PNG_COLOR_TYPE_GRAY, 8, PNG_INTERLACE_NONE },
    { "gray-16", PNG_COLOR_TYPE_GRAY, 16, PNG_INTERLACE_NONE },
    { "gray-alpha-8", PNG_COLOR_TYPE_GRAY_ALPHA, 8, PNG_INTERLACE_NONE },
    { "gray-alpha-16", PNG_COLOR_TYPE_GRAY_ALPHA, 16, PNG_INTERLACE_ADAM7 },
    { "palette", PNG_COLOR_TYPE_PALETTE, 8, PNG_INTERLACE_NONE },
    { "rgb-16-interlaced", PNG_COLOR_TYPE_RGB, 16, PNG_INTERLACE_ADAM7 },
    { "rgba-8-interlaced", PNG_COLOR_TYPE_RGBA, 8, PNG_INTERLACE_ADAM7 },
  };
  g_autoptr(GBytes) good = png_bytes (64, 48, PNG_COLOR_TYPE_GRAY, 8, PNG_INTERLACE_NONE, -1);
  gsize size = g_bytes_get_size (good);
  gsize idat = png_find_chunk (good, "IDAT"), iend = png_find_chunk (good, "IEND");
  const guint8 *data = g_bytes_get_data (good, NULL);
  guint32 idat_length = ((guint32) data[idat] << 24) | ((guint32) data[idat + 1] << 16) |
                        ((guint32) data[idat + 2] << 8) | data[idat + 3];
  const gsize cuts[] = { 0, 7, 8, 16, 29, 33, idat + 4, idat + 8 + idat_length / 2, iend,
                         size - 4, size - 1 };
  char name[128];
  Case *c;

  g_assert_cmpuint (idat, >, 0);
  g_assert_cmpuint (iend, >, idat);

  /* unusual but valid: every one reads as the gray values written */
  for (gsize i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_snprintf (name, sizeof name, "png/valid-%s", formats[i].name);
      c = add_case (name, LOAD_PNG, png_bytes (30, 20, formats[i].color_type,
                                               formats[i].bit_depth, formats[i].interlace, -1),
                    0, 0);
      c->expect = png_expected (30, 20, -1);
      c->dims[0] = 30, c->dims[1] = 20;
    }
  c = add_case ("png/valid-1x1", LOAD_PNG, png_bytes (1, 1, PNG_COLOR_TYPE_GRAY, 8,
                                                      PNG_INTERLACE_ADAM7, 200), 0, 0);
  c->expect = png_expected (1, 1, 200);
  c->dims[0] = 1, c->dims[1] = 1;
  c->no_ink = TRUE;
  /* one value throughout: it loads, and preprocessing says there is no ink */
  {
    static const int values[] = { 0, 255, 90 };

    for (gsize i = 0; i < G_N_ELEMENTS (values); i++)
      {
        g_snprintf (name, sizeof name, "png/all-%d", values[i]);
        c = add_case (name, LOAD_PNG, png_bytes (40, 40, i == 2 ? PNG_COLOR_TYPE_RGB
                                                                : PNG_COLOR_TYPE_GRAY,
                                                 8, PNG_INTERLACE_NONE, values[i]), 0, 0);
        c->expect = png_expected (40, 40, values[i]);
        c->dims[0] = 40, c->dims[1] = 40;
        c->no_ink = TRUE;
      }
  }

  add_case ("png/empty", LOAD_PNG, g_bytes_new_static ("", 0), NN_PNG_ERROR,
            NN_PNG_ERROR_NOT_PNG);
  add_case ("png/gif", LOAD_PNG, g_bytes_new_static ("GIF89a\001\000\001\000", 10), NN_PNG_ERROR,
            NN_PNG_ERROR_NOT_PNG);
  add_case ("png/signature-byte-changed", LOAD_PNG, bytes_with (good, 4, 0x0a), NN_PNG_ERROR,
            NN_PNG_ERROR_NOT_PNG);
  add_case ("png/an-idx-file", LOAD_PNG, images_bytes (1, 28, 28), NN_PNG_ERROR,
            NN_PNG_ERROR_NOT_PNG);

  /* cut in the signature, IHDR, IDAT, before and inside IEND */
  for (gsize i = 0; i < G_N_ELEMENTS (cuts); i++)
    {
      g_snprintf (name, sizeof name, "png/cut-at-%zu-of-%zu", cuts[i], size);
      add_case (name, LOAD_PNG, bytes_prefix (good, cuts[i]), NN_PNG_ERROR,
                cuts[i] < 8 ? NN_PNG_ERROR_NOT_PNG : NN_PNG_ERROR_CORRUPT);
    }

  /* dimensions */
  add_case ("png/zero-width", LOAD_PNG, png_with_ihdr (good, 0, 48, 8, 0, 0, 0, 0),
            NN_PNG_ERROR, NN_PNG_ERROR_CORRUPT);
  add_case ("png/zero-height", LOAD_PNG, png_with_ihdr (good, 64, 0, 8, 0, 0, 0, 0),
            NN_PNG_ERROR, NN_PNG_ERROR_CORRUPT);
  add_case ("png/width-2-to-the-31", LOAD_PNG, png_with_ihdr (good, 0x80000000u, 48, 8, 0, 0, 0, 0),
            NN_PNG_ERROR, NN_PNG_ERROR_CORRUPT);
  {
    static const guint32 big[][2] = {
      { 8193, 1 }, { 1, 8193 }, { 8192, 8192 }, { 5000, 5000 }, { 0x7fffffff, 1 },
      { 0x7fffffff, 0x7fffffff },
    };

    for (gsize i = 0; i < G_N_ELEMENTS (big); i++)
      {
        g_snprintf (name, sizeof name, "png/%ux%u", big[i][0], big[i][1]);
        add_case (name, LOAD_PNG, png_with_ihdr (good, big[i][0], big[i][1], 8, 0, 0, 0, 0),
                  NN_PNG_ERROR, NN_PNG_ERROR_TOO_LARGE);
      }
  }
  /* within the limits, but a few hundred bytes cannot inflate to 16 Mi pixels */
  add_case ("png/4096x4096-declared-in-a-tiny-file", LOAD_PNG,
            png_with_ihdr (good, 4096, 4096, 8, 0, 0, 0, 0), NN_PNG_ERROR,
            NN_PNG_ERROR_CORRUPT);
  /* fewer rows declared than stored: the rest of the image data is left over, as raw IDX
   * trailing data is, and refused the same way */
  add_case ("png/fewer-rows-declared-than-stored", LOAD_PNG,
            png_with_ihdr (good, 64, 24, 8, 0, 0, 0, 0), NN_PNG_ERROR, NN_PNG_ERROR_CORRUPT);
  add_case ("png/more-rows-declared-than-stored", LOAD_PNG,
            png_with_ihdr (good, 64, 96, 8, 0, 0, 0, 0), NN_PNG_ERROR, NN_PNG_ERROR_CORRUPT);

  /* IHDR fields the format forbids */
  add_case ("png/bit-depth-3", LOAD_PNG, png_with_ihdr (good, 64, 48, 3, 0, 0, 0, 0),
            NN_PNG_ERROR, NN_PNG_ERROR_CORRUPT);
  add_case ("png/colour-type-5", LOAD_PNG, png_with_ihdr (good, 64, 48, 8, 5, 0, 0, 0),
            NN_PNG_ERROR, NN_PNG_ERROR_CORRUPT);
  add_case ("png/rgb-with-bit-depth-4", LOAD_PNG, png_with_ihdr (good, 64, 48, 4, 2, 0, 0, 0),
            NN_PNG_ERROR, NN_PNG_ERROR_CORRUPT);
  add_case ("png/compression-method-1", LOAD_PNG, png_with_ihdr (good, 64, 48, 8, 0, 1, 0, 0),
            NN_PNG_ERROR, NN_PNG_ERROR_CORRUPT);
  add_case ("png/filter-method-1", LOAD_PNG, png_with_ihdr (good, 64, 48, 8, 0, 0, 1, 0),
            NN_PNG_ERROR, NN_PNG_ERROR_CORRUPT);
  add_case ("png/interlace-method-2", LOAD_PNG, png_with_ihdr (good, 64, 48, 8, 0, 0, 0, 2),
            NN_PNG_ERROR, NN_PNG_ERROR_CORRUPT);
  add_case ("png/palette-without-plte", LOAD_PNG, png_with_ihdr (good, 64, 48, 8, 3, 0, 0, 0),
            NN_PNG_ERROR, NN_PNG_ERROR_CORRUPT);

  /* wrong CRCs in every critical chunk */
  add_case ("png/ihdr-bad-crc", LOAD_PNG, bytes_xor (good, 32, 0x01),
            NN_PNG_ERROR, NN_PNG_ERROR_CORRUPT);
  add_case ("png/idat-bad-crc", LOAD_PNG,
            bytes_xor (good, (gssize) (idat + 8 + idat_length), 0x80), NN_PNG_ERROR,
            NN_PNG_ERROR_CORRUPT);
  add_case ("png/iend-bad-crc", LOAD_PNG, bytes_xor (good, -1, 0x01),
            NN_PNG_ERROR, NN_PNG_ERROR_CORRUPT);

  /* IDAT damaged inside a valid chunk */
  {
    const guint8 *idat_data = data + idat + 8;
    g_autoptr(GBytes) half = png_chunk ("IDAT", idat_data, idat_length / 2, FALSE);
    g_autoptr(GBytes) flipped_data = NULL;
    g_autoptr(GBytes) flipped = NULL;
    g_autoptr(GBytes) none = g_bytes_new_static ("", 0);
    guint8 *copy = g_memdup2 (idat_data, idat_length);

    add_case ("png/idat-half-the-data", LOAD_PNG, png_splice (good, idat, half, iend),
              NN_PNG_ERROR, NN_PNG_ERROR_CORRUPT);
    /* a zlib header whose check bits are wrong */
    copy[1] ^= 0x01;
    flipped_data = g_bytes_new_take (copy, idat_length);
    flipped = png_chunk ("IDAT", g_bytes_get_data (flipped_data, NULL), idat_length, FALSE);
    add_case ("png/idat-bad-zlib-header", LOAD_PNG, png_splice (good, idat, flipped, iend),
              NN_PNG_ERROR, NN_PNG_ERROR_CORRUPT);
    add_case ("png/no-idat", LOAD_PNG, png_splice (good, idat, none, iend), NN_PNG_ERROR,
              NN_PNG_ERROR_CORRUPT);
  }
  /* the zlib stream's Adler-32 wrong, in a chunk whose CRC is right: the pixels may be wrong */
  {
    guint8 *copy = g_memdup2 (data + idat + 8, idat_length);
    g_autoptr(GBytes) chunk = NULL;

    copy[idat_length - 1] ^= 0x01;
    chunk = png_chunk ("IDAT", copy, idat_length, FALSE);
    g_free (copy);
    add_case ("png/idat-bad-adler32", LOAD_PNG, png_splice (good, idat, chunk, iend),
              NN_PNG_ERROR, NN_PNG_ERROR_CORRUPT);
  }
  /* the same with the checksum in an IDAT of its own, read only after the last row */
  {
    guint8 *copy = g_memdup2 (data + idat + 8, idat_length);
    g_autoptr(GBytes) first = NULL;
    g_autoptr(GBytes) second = NULL;
    g_autoptr(GBytes) both = NULL;

    copy[idat_length - 1] ^= 0x01;
    first = png_chunk ("IDAT", copy, idat_length - 4, FALSE);
    second = png_chunk ("IDAT", copy + idat_length - 4, 4, FALSE);
    both = bytes_cat (first, second);
    g_free (copy);
    add_case ("png/idat-bad-adler32-in-its-own-chunk", LOAD_PNG,
              png_splice (good, idat, both, iend), NN_PNG_ERROR, NN_PNG_ERROR_CORRUPT);
  }
  /* an IDAT after the image's zlib stream has ended is skipped unread: the pixels, complete and
   * checked, are what the file says */
  {
    g_autoptr(GBytes) extra = png_chunk ("IDAT", (const guint8 *) "junk", 4, FALSE);

    c = add_case ("png/valid-idat-after-the-stream", LOAD_PNG,
                  png_splice (good, iend, extra, iend), 0, 0);
    c->expect = png_expected (64, 48, -1);
    c->dims[0] = 64, c->dims[1] = 48;
  }
  /* bytes after IEND are not part of the image; like other readers, this one stops at IEND */
  {
    g_autoptr(GBytes) tail = g_bytes_new_static ("trailing", 8);

    c = add_case ("png/valid-bytes-after-iend", LOAD_PNG, bytes_cat (good, tail), 0, 0);
    c->expect = png_expected (64, 48, -1);
    c->dims[0] = 64, c->dims[1] = 48;
  }
  /* an ancillary chunk that declares 2 GB */
  {
    guint8 head[8];
    g_autoptr(GBytes) insert = NULL;

    put_be32 (head, 0x7fffffffu);
    memcpy (head + 4, "tEXt", 4);
    insert = g_bytes_new (head, 8);
    add_case ("png/chunk-of-2-GB-declared", LOAD_PNG, png_splice (good, idat, insert, idat),
              NN_PNG_ERROR, NN_PNG_ERROR_CORRUPT);
  }
}

/* ----------------------------------------------------------------------------------------- */
/* Non-files                                                                                  */

static void
add_not_file_cases (void)
{
  static const struct { const char *name; FileKind file; int code; } kinds[] = {
    { "dev-zero", FILE_DEV_ZERO, NN_IDX_ERROR_NOT_REGULAR },
    { "dev-null", FILE_DEV_NULL, NN_IDX_ERROR_NOT_REGULAR },
    { "fifo", FILE_FIFO, NN_IDX_ERROR_NOT_REGULAR },
    { "folder", FILE_FOLDER, NN_IDX_ERROR_NOT_REGULAR },
    { "dangling-link", FILE_DANGLING, NN_IDX_ERROR_OPEN },
    { "link-loop", FILE_LOOP, NN_IDX_ERROR_OPEN },
    { "missing", FILE_MISSING, NN_IDX_ERROR_OPEN },
    { "sparse-past-the-cap", FILE_SPARSE, NN_IDX_ERROR_TOO_LARGE },
  };
  static const Loader loaders[] = { LOAD_IMAGES, LOAD_LABELS, LOAD_PNG };
  static const char *const loader_names[] = { "images", "labels", "png" };
  char name[128];

  /* the same kinds of file give the PNG reader's codes of the same meaning */
  for (gsize k = 0; k < G_N_ELEMENTS (kinds); k++)
    for (gsize l = 0; l < G_N_ELEMENTS (loaders); l++)
      {
        gboolean png = loaders[l] == LOAD_PNG;
        int code = kinds[k].code;
        Case *c;

        if (png)
          code = code == NN_IDX_ERROR_NOT_REGULAR ? NN_PNG_ERROR_NOT_REGULAR
                 : code == NN_IDX_ERROR_TOO_LARGE ? NN_PNG_ERROR_TOO_LARGE
                 : NN_PNG_ERROR_OPEN;
        g_snprintf (name, sizeof name, "not-a-file/%s-%s", loader_names[l], kinds[k].name);
        c = add_case (name, loaders[l], NULL, png ? NN_PNG_ERROR : NN_IDX_ERROR, code);
        c->file = kinds[k].file;
        c->sparse_size = (png ? NN_FILE_MAX_PNG : NN_FILE_MAX_DATA) + 1;
      }
}

/* ----------------------------------------------------------------------------------------- */

/* Makes the case's file in dir; returns its path. */
static char *
make_file (const Case *c,
           const char *dir,
           const char *base,
           GBytes     *bytes)
{
  char *path = g_build_filename (dir, base, NULL);
  g_autoptr(GError) error = NULL;

  switch (c->file)
    {
    case FILE_BYTES:
      g_assert_true (g_file_set_contents (path, g_bytes_get_data (bytes, NULL),
                                          (gssize) g_bytes_get_size (bytes), &error));
      g_assert_no_error (error);
      break;
    case FILE_DEV_ZERO:
      g_assert_cmpint (symlink ("/dev/zero", path), ==, 0);
      break;
    case FILE_DEV_NULL:
      g_assert_cmpint (symlink ("/dev/null", path), ==, 0);
      break;
    case FILE_FIFO:
      g_assert_cmpint (mkfifo (path, 0600), ==, 0);
      break;
    case FILE_FOLDER:
      g_assert_cmpint (g_mkdir (path, 0700), ==, 0);
      break;
    case FILE_DANGLING:
      g_assert_cmpint (symlink ("nothing-here", path), ==, 0);
      break;
    case FILE_LOOP:
      {
        g_autofree char *other = g_build_filename (dir, "other", NULL);

        g_assert_cmpint (symlink (base, other), ==, 0);
        g_assert_cmpint (symlink ("other", path), ==, 0);
      }
      break;
    case FILE_MISSING:
      break;
    case FILE_SPARSE:
      {
        int fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

        g_assert_cmpint (fd, >=, 0);
        g_assert_cmpint (ftruncate (fd, (off_t) c->sparse_size), ==, 0);
        close (fd);
      }
      break;
    default:
      g_assert_not_reached ();
    }
  return path;
}

static void
test_case (gconstpointer data)
{
  const Case *c = data;
  g_autofree char *dir = fixture_dir ();
  g_autofree char *path = make_file (c, dir, "file", c->bytes);
  g_autofree char *labels_path = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *result = NULL;
  g_autoptr(NnImageSet) set = NULL;
  size_t dims[3] = { 0, 0, 0 };
  gsize result_size = 0;

  alarm (CASE_SECONDS);
  switch (c->loader)
    {
    case LOAD_IMAGES:
      result = nn_idx_load_images (path, dims, dims + 1, dims + 2, &error);
      result_size = dims[0] * dims[1] * dims[2];
      break;
    case LOAD_LABELS:
      result = nn_idx_load_labels (path, dims, &error);
      result_size = dims[0];
      break;
    case LOAD_SET:
      {
        Case labels_case = *c;

        labels_case.file = FILE_BYTES;
        labels_path = make_file (&labels_case, dir, "labels", c->labels);
        set = nn_image_set_load (path, labels_path, c->n_classes, &error);
        if (set != NULL)
          {
            dims[0] = set->n_images;
            dims[1] = set->rows;
            dims[2] = set->cols;
          }
      }
      break;
    case LOAD_PNG:
      result = nn_png_load_gray (path, dims, dims + 1, &error);
      result_size = dims[0] * dims[1];
      break;
    default:
      g_assert_not_reached ();
    }
  alarm (0);

  if (c->domain != 0)
    {
      g_assert_error (error, c->domain, c->code);
      g_assert_null (result);
      g_assert_null (set);
      g_test_message ("%s: %s", c->name, error->message);
    }
  else
    {
      g_assert_no_error (error);
      g_assert_cmpuint (dims[0], ==, c->dims[0]);
      g_assert_cmpuint (dims[1], ==, c->dims[1]);
      g_assert_cmpuint (dims[2], ==, c->dims[2]);
      if (c->expect != NULL)
        g_assert_cmpmem (result, result_size, g_bytes_get_data (c->expect, NULL),
                         g_bytes_get_size (c->expect));
      if (c->loader == LOAD_PNG)
        {
          float out[NN_PREPROCESS_SIZE * NN_PREPROCESS_SIZE];
          gboolean ink = nn_preprocess_digit (out, result, dims[0], dims[1], dims[0], NULL);

          if (c->no_ink)
            g_assert_false (ink);
          for (gsize i = 0; i < G_N_ELEMENTS (out); i++)
            g_assert_true (out[i] >= 0.0f && out[i] <= 1.0f);
        }
    }
  fixture_remove_dir (dir);
}

int
main (int   argc,
      char *argv[])
{
  guint n_valid = 0;
  int status;

  g_test_init (&argc, &argv, NULL);
  cases = g_ptr_array_new_with_free_func (case_free);
  add_idx_cases ();
  add_gzip_cases ();
  add_png_cases ();
  add_not_file_cases ();
  for (guint i = 0; i < cases->len; i++)
    {
      const Case *c = g_ptr_array_index (cases, i);
      g_autofree char *test_path = g_strdup_printf ("/engine/hostile-data/%s", c->name);

      g_test_add_data_func (test_path, c, test_case);
      n_valid += c->domain == 0;
    }
  g_test_message ("%u hostile-data cases: %u malformed files or not files, %u unusual but valid",
                  cases->len, cases->len - n_valid, n_valid);
  status = g_test_run ();
  g_ptr_array_unref (cases);
  return status;
}
