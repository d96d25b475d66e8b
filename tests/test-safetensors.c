/* test-safetensors.c: bit-exact round trips, the byte layout, and every corruption refused */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

#include <sys/stat.h>

#include "nn-file.h"
#include "nn-safetensors.h"

static GBytes *
sample_bytes (void)
{
  static float a[6] = { 1.5f, -0.0f, 1e-38f, 1.4e-45f, INFINITY, -3.25f };
  static float b[2] = { 42, 7 };
  NnTensor t[2] = {
    { .name = (char *) "w", .n_dims = 2, .shape = { 2, 3 }, .data = a },
    { .name = (char *) "b", .n_dims = 1, .shape = { 2 }, .data = b },
  };
  const char *meta[] = { "format", "pt", "note", "ünïcode \"quoted\"", NULL };
  g_autoptr(GError) error = NULL;
  GBytes *bytes = nn_safetensors_serialize (t, 2, meta, &error);

  g_assert_no_error (error);
  return bytes;
}

static void
test_safetensors_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("digit-lab-st-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "x.safetensors", NULL);
  float a[6] = { 1.5f, -0.0f, 1e-38f, 1.4e-45f, INFINITY, -3.25f };
  float b[2] = { 42, 7 };
  NnTensor t[2] = {
    { .name = (char *) "w", .n_dims = 2, .shape = { 2, 3 }, .data = a },
    { .name = (char *) "b", .n_dims = 1, .shape = { 2 }, .data = b },
  };
  const char *meta[] = { "format", "pt", "note", "ünïcode \"quoted\"", NULL };
  g_autoptr(NnSafetensors) st = NULL;
  const NnTensor *w;

  g_assert_true (nn_safetensors_save (path, t, 2, meta, &error));
  g_assert_no_error (error);
  st = nn_safetensors_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (nn_safetensors_get_n_tensors (st), ==, 2);
  w = nn_safetensors_lookup (st, "w");
  g_assert_cmpuint (w->n_dims, ==, 2);
  g_assert_cmpuint (w->shape[1], ==, 3);
  g_assert_cmpmem (w->data, sizeof a, a, sizeof a);           /* bit-exact, -0 included */
  g_assert_cmpstr (nn_safetensors_get_tensor (st, 1)->name, ==, "b");
  g_assert_cmpstr (nn_safetensors_get_metadata (st, "note"), ==, "ünïcode \"quoted\"");
  g_assert_null (nn_safetensors_get_metadata (st, "missing"));
  {
    const size_t good[2] = { 2, 3 }, bad[2] = { 3, 2 };

    g_assert_true (nn_safetensors_check_shape (w, 2, good, NULL));
    g_assert_false (nn_safetensors_check_shape (w, 2, bad, &error));
    g_assert_error (error, NN_SAFETENSORS_ERROR, NN_SAFETENSORS_ERROR_SHAPE);
  }
  g_remove (path);
  g_rmdir (dir);
}

/* The layout other readers rely on: u64 LE header length, JSON padded to 8, then data. */
static void
test_safetensors_layout (void)
{
  g_autoptr(GBytes) bytes = sample_bytes ();
  gsize size;
  const guint8 *p = g_bytes_get_data (bytes, &size);
  guint64 n = 0;
  g_autofree char *header = NULL;
  float first;

  for (int i = 7; i >= 0; i--)
    n = (n << 8) | p[i];
  g_assert_cmpuint (n % 8, ==, 0);
  g_assert_cmpuint (8 + n + 8 * 4, ==, size);
  header = g_strndup ((const char *) p + 8, n);
  g_assert_true (g_str_has_prefix (header, "{\"__metadata__\":{\"format\":\"pt\""));
  g_assert_nonnull (strstr (header, "\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],"
                                    "\"data_offsets\":[0,24]}"));
  g_assert_nonnull (strstr (header, "\"b\":{\"dtype\":\"F32\",\"shape\":[2],"
                                    "\"data_offsets\":[24,32]}"));
  memcpy (&first, p + 8 + n, 4);
  g_assert_cmpfloat (first, ==, 1.5f);
}

/* Replaces the header with text (padded), keeping the data section. */
static GBytes *
with_header (const char *text,
             size_t      data_size)
{
  GByteArray *a = g_byte_array_new ();
  size_t n = strlen (text);
  guint8 len[8];

  for (int i = 0; i < 8; i++)
    len[i] = (guint8) ((guint64) n >> (8 * i));
  g_byte_array_append (a, len, 8);
  g_byte_array_append (a, (const guint8 *) text, n);
  for (size_t i = 0; i < data_size; i++)
    g_byte_array_append (a, (const guint8 *) "\0", 1);
  return g_byte_array_free_to_bytes (a);
}

static void
expect_rejected (GBytes *bytes,
                 int     code)
{
  g_autoptr(GError) error = NULL;
  gsize size;
  const guint8 *p = g_bytes_get_data (bytes, &size);
  g_autoptr(NnSafetensors) st = nn_safetensors_load_from_bytes (p, size, &error);

  g_assert_null (st);
  g_assert_error (error, NN_SAFETENSORS_ERROR, code);
  g_bytes_unref (bytes);
}

static void
test_safetensors_corruption (void)
{
  g_autoptr(GBytes) good = sample_bytes ();
  gsize size;
  const guint8 *p = g_bytes_get_data (good, &size);

  expect_rejected (g_bytes_new (p, 5), NN_SAFETENSORS_ERROR_TRUNCATED);
  expect_rejected (g_bytes_new (p, size - 4), NN_SAFETENSORS_ERROR_TRUNCATED);
  {
    guint8 *copy = g_memdup2 (p, size);

    copy[7] = 0x7f;       /* a header length of petabytes */
    expect_rejected (g_bytes_new_take (copy, size), NN_SAFETENSORS_ERROR_BAD_HEADER);
  }
  {
    guint8 *copy = g_memdup2 (p, size);

    copy[0] = (guint8) (copy[0] + 64);   /* longer than the file */
    expect_rejected (g_bytes_new_take (copy, size), NN_SAFETENSORS_ERROR_TRUNCATED);
  }
  expect_rejected (with_header ("not json", 0), NN_SAFETENSORS_ERROR_BAD_HEADER);
  expect_rejected (with_header ("[1]", 0), NN_SAFETENSORS_ERROR_BAD_HEADER);
  expect_rejected (with_header ("{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}",
                                4), NN_SAFETENSORS_ERROR_UNSUPPORTED);
  expect_rejected (with_header ("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,16]}}",
                                8), NN_SAFETENSORS_ERROR_TRUNCATED);
  expect_rejected (with_header ("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}",
                                8), NN_SAFETENSORS_ERROR_SHAPE);
  expect_rejected (with_header ("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                                "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                                8), NN_SAFETENSORS_ERROR_BAD_OFFSETS);
  expect_rejected (with_header ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                                8), NN_SAFETENSORS_ERROR_BAD_OFFSETS);
  expect_rejected (with_header ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                                8), NN_SAFETENSORS_ERROR_BAD_OFFSETS);
  expect_rejected (with_header ("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,"
                                "4294967296],\"data_offsets\":[0,4]}}", 4),
                   NN_SAFETENSORS_ERROR_SHAPE);
  expect_rejected (with_header ("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}",
                                4), NN_SAFETENSORS_ERROR_SHAPE);
  expect_rejected (with_header ("{\"__metadata__\":{\"k\":1}}", 0),
                   NN_SAFETENSORS_ERROR_BAD_HEADER);
  expect_rejected (with_header ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                                "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                                8), NN_SAFETENSORS_ERROR_BAD_HEADER);
  expect_rejected (with_header ("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4),
                   NN_SAFETENSORS_ERROR_BAD_HEADER);
}

static void
test_safetensors_failed_save (void)
{
  g_autoptr(GError) error = NULL;
  float v = 1;
  NnTensor t = { .name = (char *) "v", .n_dims = 1, .shape = { 1 }, .data = &v };

  g_assert_false (nn_safetensors_save ("/nonexistent-dir/x.safetensors", &t, 1, NULL, &error));
  g_assert_nonnull (error);
  g_assert_false (g_file_test ("/nonexistent-dir", G_FILE_TEST_EXISTS));
}

/* Many tensors load in linear time and are found by name; a repeated name is refused. */
static void
test_safetensors_many_tensors (void)
{
  const size_t n = 50000;
  g_autoptr(GString) header = g_string_new ("{");
  g_autoptr(GByteArray) file = g_byte_array_new ();
  g_autoptr(NnSafetensors) st = NULL;
  g_autoptr(GError) error = NULL;
  guint8 len[8];
  gint64 start;

  for (size_t i = 0; i < n; i++)
    g_string_append_printf (header, "%s\"t%zu\":{\"dtype\":\"F32\",\"shape\":[0],"
                            "\"data_offsets\":[0,0]}", i > 0 ? "," : "", i);
  g_string_append_c (header, '}');
  for (int b = 0; b < 8; b++)
    len[b] = (guint8) ((guint64) header->len >> (8 * b));
  g_byte_array_append (file, len, 8);
  g_byte_array_append (file, (const guint8 *) header->str, header->len);
  start = g_get_monotonic_time ();
  st = nn_safetensors_load_from_bytes (file->data, file->len, &error);
  g_assert_no_error (error);
  g_test_message ("%zu empty tensors (%u bytes) loaded in %.3f s", n, file->len,
                  (g_get_monotonic_time () - start) / 1e6);
  g_assert_cmpuint (nn_safetensors_get_n_tensors (st), ==, n);
  g_assert_true (nn_safetensors_lookup (st, "t49999") == nn_safetensors_get_tensor (st, n - 1));
  g_assert_null (nn_safetensors_lookup (st, "t50000"));
  g_clear_pointer (&st, nn_safetensors_free);

  /* the last name repeats the first */
  g_byte_array_set_size (file, file->len - 1);
  g_byte_array_append (file, (const guint8 *) ",\"t0\":{}}", 9);
  for (int b = 0; b < 8; b++)
    file->data[b] = (guint8) ((guint64) (file->len - 8) >> (8 * b));
  st = nn_safetensors_load_from_bytes (file->data, file->len, &error);
  g_assert_null (st);
  g_assert_error (error, NN_SAFETENSORS_ERROR, NN_SAFETENSORS_ERROR_BAD_HEADER);
  g_assert_nonnull (strstr (error->message, "“t0” appears twice"));
  g_clear_error (&error);

  /* and the writer refuses two tensors of one name */
  {
    float v = 1;
    NnTensor t[3] = {
      { .name = (char *) "a", .n_dims = 1, .shape = { 1 }, .data = &v },
      { .name = (char *) "b", .n_dims = 1, .shape = { 1 }, .data = &v },
      { .name = (char *) "a", .n_dims = 1, .shape = { 1 }, .data = &v },
    };
    g_autoptr(GBytes) bytes = nn_safetensors_serialize (t, 3, NULL, &error);

    g_assert_null (bytes);
    g_assert_error (error, NN_SAFETENSORS_ERROR, NN_SAFETENSORS_ERROR_BAD_HEADER);
  }
}

/* Only regular files are read: a folder, a FIFO and /dev/zero are refused at once. */
static void
test_safetensors_special_files (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("digit-lab-st-XXXXXX", &error);
  g_autofree char *fifo = g_build_filename (dir, "fifo.safetensors", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.safetensors", NULL);
  g_autoptr(NnSafetensors) st = NULL;

  g_assert_no_error (error);
  st = nn_safetensors_load (dir, &error);
  g_assert_null (st);
  g_assert_error (error, NN_FILE_ERROR, NN_FILE_ERROR_NOT_REGULAR);
  g_clear_error (&error);
  if (g_file_test ("/dev/zero", G_FILE_TEST_EXISTS))
    {
      st = nn_safetensors_load ("/dev/zero", &error);
      g_assert_null (st);
      g_assert_error (error, NN_FILE_ERROR, NN_FILE_ERROR_NOT_REGULAR);
      g_clear_error (&error);
    }
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  st = nn_safetensors_load (fifo, &error);
  g_assert_null (st);
  g_assert_error (error, NN_FILE_ERROR, NN_FILE_ERROR_NOT_REGULAR);
  g_clear_error (&error);
  st = nn_safetensors_load (missing, &error);
  g_assert_null (st);
  g_assert_error (error, NN_FILE_ERROR, NN_FILE_ERROR_NOT_FOUND);
  g_remove (fifo);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/safetensors/round-trip", test_safetensors_round_trip);
  g_test_add_func ("/engine/safetensors/layout", test_safetensors_layout);
  g_test_add_func ("/engine/safetensors/corruption", test_safetensors_corruption);
  g_test_add_func ("/engine/safetensors/failed-save", test_safetensors_failed_save);
  g_test_add_func ("/engine/safetensors/many-tensors", test_safetensors_many_tensors);
  g_test_add_func ("/engine/safetensors/special-files", test_safetensors_special_files);
  return g_test_run ();
}
