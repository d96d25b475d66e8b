/* test-cli-explain.c: digit-lab-cli explain end to end — figures, explain.json, the nearest
 * training images from a generated dataset, the same bytes in every locale, and one clear line
 * on stderr with a non-zero status for bad input */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <locale.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <gio/gio.h>

#include "cli-helpers.h"
#include "fixtures.h"
#include "nn-dataset.h"
#include "nn-json.h"
#include "nn-png.h"

static char *work_dir;
static char *data_dir;
static char *cache_dir;

/* The CLI in work_dir under locale, with the generated dataset as its MNIST and its own
 * cache folder. */
static void
cli_locale (Run        *r,
            const char *locale,
            const char *first,
            ...)
{
  const char *env[] = { "DIGIT_LAB_DATA_DIR", data_dir, "XDG_CACHE_HOME", cache_dir,
                        "LC_ALL", locale, NULL };
  va_list args;

  va_start (args, first);
  cli_run_va (r, work_dir, env, first, args);
  va_end (args);
}

#define cli(r, ...) cli_locale (r, "C.UTF-8", __VA_ARGS__)

/* A vertical bar: a one to the bundled network. */
static char *
write_digit (const char *name)
{
  char *path = g_build_filename (work_dir, name, NULL);
  guint8 pixels[40 * 30];

  for (size_t i = 0; i < sizeof pixels; i++)
    pixels[i] = (i % 40 > 15 && i % 40 < 22) ? 10 : 245;
  g_assert_true (nn_png_save_gray (path, pixels, 40, 30, 40, NULL));
  return path;
}

static NnJsonNode *
read_json (const char *dir,
           const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;
  NnJsonNode *node;

  g_assert_true (g_file_get_contents (path, &text, &length, &error));
  node = nn_json_parse (text, length, &error);
  g_assert_no_error (error);
  return node;
}

static void
assert_png_size (const char *dir,
                 const char *name,
                 size_t      width,
                 size_t      height)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree guint8 *gray = NULL;
  g_autoptr(GError) error = NULL;
  size_t w, h;

  gray = nn_png_load_gray (path, &w, &h, &error);
  g_assert_no_error (error);
  if (width > 0)
    {
      g_assert_cmpuint (w, ==, width);
      g_assert_cmpuint (h, ==, height);
    }
}

static void
assert_map (const NnJsonNode *object,
            const char       *key)
{
  const NnJsonNode *part = nn_json_object_get (object, key);
  const NnJsonNode *map;

  g_assert_nonnull (part);
  map = nn_json_object_get (part, "map");
  g_assert_nonnull (map);
  g_assert_cmpuint (nn_json_array_get_length (map), ==, 28);
  for (size_t y = 0; y < 28; y++)
    {
      const NnJsonNode *row = nn_json_array_get_element (map, y);

      g_assert_cmpuint (nn_json_array_get_length (row), ==, 28);
      for (size_t x = 0; x < 28; x++)
        g_assert_cmpint (nn_json_node_get_kind (nn_json_array_get_element (row, x)), ==,
                         NN_JSON_NUMBER);
    }
}

static void
test_cli_explain_outputs (void)
{
  g_auto(Run) r = { 0 };
  g_auto(Run) again = { 0 };
  g_autofree char *png = write_digit ("one.png");
  g_autofree char *out = g_build_filename (work_dir, "explained", "nested", NULL);
  g_autoptr(NnJsonNode) line = NULL;
  g_autoptr(NnJsonNode) json = NULL;
  g_autoptr(GError) error = NULL;
  const NnJsonNode *files, *probs, *nearest, *neighbours, *layers;
  double total = 0, last = 0;
  g_autoptr(NnImageSet) train = NULL;
  g_autofree char *train_images = g_build_filename (data_dir, "train-images-idx3-ubyte.gz", NULL);
  g_autofree char *train_labels = g_build_filename (data_dir, "train-labels-idx1-ubyte.gz", NULL);

  cli (&r, "explain", "--json", "one.png", "--output", out, NULL);
  g_assert_cmpstr (r.err, ==, "");
  g_assert_cmpint (r.status, ==, 0);
  line = nn_json_parse (r.out, strlen (r.out), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (nn_json_node_get_string (nn_json_object_get (line, "event")), ==, "explained");
  g_assert_cmpfloat (nn_json_node_get_number (nn_json_object_get (line, "class")), ==, 1);
  g_assert_cmpfloat (nn_json_node_get_number (nn_json_object_get (line, "explained_class")), ==, 1);
  g_assert_cmpfloat (nn_json_node_get_number (nn_json_object_get (line, "nearest")), ==, 8);

  /* every file listed is there; the figures are PNGs of the expected sizes */
  files = nn_json_object_get (line, "files");
  g_assert_cmpuint (nn_json_array_get_length (files), ==, 16);
  for (size_t i = 0; i < nn_json_array_get_length (files); i++)
    {
      const char *name = nn_json_node_get_string (nn_json_array_get_element (files, i));
      g_autofree char *path = g_build_filename (out, name, NULL);

      g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
      if (g_str_has_suffix (name, ".png"))
        assert_png_size (out, name, 0, 0);
    }
  assert_png_size (out, "input.png", 224, 224);
  assert_png_size (out, "saliency.png", 224, 224);
  assert_png_size (out, "occlusion.png", 224, 224);
  /* 32 filters of one 3×3 plane at 8× with 2 px gaps */
  assert_png_size (out, "layer-01-conv-filters.png", 1 * 26 + 2, 32 * 26 + 2);
  assert_png_size (out, "layer-04-conv-filters.png", 32 * 26 + 2, 64 * 26 + 2);
  /* 32 maps of 28×28 at 4× in 6 columns, 6 rows */
  assert_png_size (out, "layer-01-conv-activations.png", 6 * 114 + 2, 6 * 114 + 2);
  /* 128 bars of 4 px */
  assert_png_size (out, "layer-08-dense-activations.png", 128 * 4 + 4, 128 + 4);
  assert_png_size (out, "nearest.png", 8 * 114 + 2, 114 + 2);

  json = read_json (out, "explain.json");
  g_assert_cmpfloat (nn_json_node_get_number (nn_json_object_get (nn_json_object_get (json,
                     "prediction"), "class")), ==, 1);
  probs = nn_json_object_get (json, "probabilities");
  g_assert_cmpuint (nn_json_array_get_length (probs), ==, 10);
  for (size_t k = 0; k < 10; k++)
    total += nn_json_node_get_number (nn_json_array_get_element (probs, k));
  g_assert_cmpfloat_with_epsilon (total, 1.0, 1e-4);
  assert_map (json, "saliency");
  assert_map (json, "occlusion");
  g_assert_cmpfloat (nn_json_node_get_number (nn_json_object_get (nn_json_object_get (json,
                     "occlusion"), "patch")), ==, 8);
  layers = nn_json_object_get (json, "layers");
  g_assert_cmpuint (nn_json_array_get_length (layers), ==, 10);
  g_assert_cmpstr (nn_json_node_get_string (nn_json_object_get (nn_json_array_get_element (layers,
                   0), "spec")), ==, "conv(32,3,pad=1)");

  /* the neighbours: nearest first, with the labels the dataset gives them */
  train = nn_image_set_load (train_images, train_labels, 10, &error);
  g_assert_no_error (error);
  nearest = nn_json_object_get (json, "nearest");
  g_assert_false (nn_json_node_get_bool (nn_json_object_get (nearest, "from_cache")));
  g_assert_cmpfloat (nn_json_node_get_number (nn_json_object_get (nearest, "embedding_size")), ==,
                     128);
  neighbours = nn_json_object_get (nearest, "neighbours");
  g_assert_cmpuint (nn_json_array_get_length (neighbours), ==, 8);
  for (size_t k = 0; k < 8; k++)
    {
      const NnJsonNode *n = nn_json_array_get_element (neighbours, k);
      double index = nn_json_node_get_number (nn_json_object_get (n, "index"));
      double distance = nn_json_node_get_number (nn_json_object_get (n, "distance"));

      g_assert_cmpfloat (index, <, 200);
      g_assert_cmpfloat (nn_json_node_get_number (nn_json_object_get (n, "label")), ==,
                         train->labels[(size_t) index]);
      g_assert_cmpfloat (distance, >=, last);
      last = distance;
    }

  /* the second time the embeddings come from the cache, and the numbers are the same */
  cli (&again, "explain", "one.png", "--output", out, NULL);
  g_assert_cmpint (again.status, ==, 0);
  g_assert_nonnull (strstr (again.out, "one.png: 1 ("));
  g_assert_nonnull (strstr (again.out, "Nearest training images:"));
  {
    g_autoptr(NnJsonNode) second = read_json (out, "explain.json");

    g_assert_true (nn_json_node_get_bool (nn_json_object_get (nn_json_object_get (second,
                   "nearest"), "from_cache")));
  }
}

static void
test_cli_explain_class_and_no_nearest (void)
{
  g_auto(Run) r = { 0 };
  g_autofree char *png = write_digit ("one.png");
  g_autofree char *out = g_build_filename (work_dir, "class-3", NULL);
  g_autoptr(NnJsonNode) json = NULL;

  cli (&r, "explain", "--class", "3", "--no-nearest", "--patch", "4", "--stride", "2", "one.png",
       "-o", out, NULL);
  g_assert_cmpstr (r.err, ==, "");
  g_assert_cmpint (r.status, ==, 0);
  json = read_json (out, "explain.json");
  g_assert_cmpfloat (nn_json_node_get_number (nn_json_object_get (json, "explained_class")), ==, 3);
  g_assert_cmpfloat (nn_json_node_get_number (nn_json_object_get (nn_json_object_get (json,
                     "saliency"), "class")), ==, 3);
  g_assert_cmpfloat (nn_json_node_get_number (nn_json_object_get (nn_json_object_get (json,
                     "occlusion"), "stride")), ==, 2);
  g_assert_cmpint (nn_json_node_get_kind (nn_json_object_get (json, "nearest")), ==, NN_JSON_NULL);
  {
    g_autofree char *nearest = g_build_filename (out, "nearest.png", NULL);

    g_assert_false (g_file_test (nearest, G_FILE_TEST_EXISTS));
  }
}

/* explain.json is the same bytes whatever the locale */
static void
test_cli_explain_locales (void)
{
  static const char *const locales[] = { "sv_SE.UTF-8", "de_DE.UTF-8" };
  g_autofree char *png = write_digit ("one.png");
  g_autofree char *base = g_build_filename (work_dir, "locale-C", NULL);
  g_autofree char *base_json = g_build_filename (base, "explain.json", NULL);
  g_autofree char *expected = NULL;
  g_auto(Run) r = { 0 };

  cli (&r, "explain", "--no-nearest", "one.png", "--output", "locale-C", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_true (g_file_get_contents (base_json, &expected, NULL, NULL));
  for (size_t i = 0; i < G_N_ELEMENTS (locales); i++)
    {
      g_auto(Run) l = { 0 };
      g_autofree char *dir = g_strdup_printf ("locale-%zu", i);
      g_autofree char *json = g_build_filename (work_dir, dir, "explain.json", NULL);
      g_autofree char *text = NULL;

      locale_t probe = newlocale (LC_ALL_MASK, locales[i], (locale_t) 0);

      if (probe == (locale_t) 0)
        {
          g_test_message ("%s is not installed", locales[i]);
          continue;
        }
      freelocale (probe);
      cli_locale (&l, locales[i], "explain", "--no-nearest", "one.png", "--output", dir, NULL);
      g_assert_cmpint (l.status, ==, 0);
      g_assert_true (g_file_get_contents (json, &text, NULL, NULL));
      g_assert_cmpstr (text, ==, expected);
    }
}

static void
test_cli_explain_errors (void)
{
  g_autofree char *png = write_digit ("one.png");
  g_autofree char *blank = g_build_filename (work_dir, "blank.png", NULL);
  g_autofree char *junk = g_build_filename (work_dir, "junk.png", NULL);
  g_autofree char *truncated = g_build_filename (work_dir, "truncated.png", NULL);
  g_autofree char *a_file = g_build_filename (work_dir, "a-file", NULL);
  g_autofree char *under_file = g_build_filename (work_dir, "a-file", "sub", NULL);
  g_autofree char *png_text = NULL;
  gsize png_length;
  guint8 white[64];

  memset (white, 255, sizeof white);
  g_assert_true (nn_png_save_gray (blank, white, 8, 8, 8, NULL));
  g_assert_true (g_file_set_contents (junk, "definitely not a PNG", -1, NULL));
  g_assert_true (g_file_get_contents (png, &png_text, &png_length, NULL));
  g_assert_true (g_file_set_contents (truncated, png_text, png_length / 2, NULL));
  g_assert_true (g_file_set_contents (a_file, "x", 1, NULL));

  {
    static const struct
    {
      const char *args[9];
      int         status;
      const char *fragment;
    } cases[] = {
      { { "explain", "one.png", NULL }, 2, "--output" },
      { { "explain", "-o", "x", NULL }, 2, "one PNG" },
      { { "explain", "-o", "x", "one.png", "one.png", NULL }, 2, "one PNG" },
      { { "explain", "-o", "x", "--class", "10", "one.png", NULL }, 2, "0 to 9" },
      { { "explain", "-o", "x", "--class", "two", "one.png", NULL }, 2, "class" },
      { { "explain", "-o", "x", "--neighbours", "0", "one.png", NULL }, 2, "neighbours" },
      { { "explain", "-o", "x", "--patch", "4", "--stride", "5", "one.png", NULL }, 2, "stride" },
      { { "explain", "-o", "x", "--patch", "29", "one.png", NULL }, 2, "patch" },
      { { "explain", "-o", "x", "junk.png", NULL }, 1, "not a PNG" },
      { { "explain", "-o", "x", "truncated.png", NULL }, 1, "truncated.png" },
      { { "explain", "-o", "x", "blank.png", NULL }, 1, "no ink" },
      { { "explain", "-o", "x", "missing.png", NULL }, 1, "missing.png" },
      { { "explain", "-o", "x", "--model", "/nonexistent/model", "one.png", NULL }, 1,
        "does not exist" },
      { { "explain", "-o", "a-file", "one.png", NULL }, 1, "not a folder" },
      { { "explain", "-o", "a-file/sub", "one.png", NULL }, 1, "cannot write into" },
      { { "explain", "-o", "x", "--data", "/nonexistent", "one.png", NULL }, 1, "does not exist" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_auto(Run) r = { 0 };
        const char *const *a = cases[i].args;

        cli (&r, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8]);
        if (r.status != cases[i].status)
          g_error ("case %zu: status %d, not %d: %s", i, r.status, cases[i].status, r.err);
        assert_one_line_error (&r, cases[i].fragment);
      }
  }
  /* none of the failures left figures behind in x, but for the one that made it: x is empty */
  {
    g_autofree char *x = g_build_filename (work_dir, "x", NULL);
    g_autoptr(GDir) d = g_dir_open (x, 0, NULL);

    if (d != NULL)
      g_assert_null (g_dir_read_name (d));
  }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  work_dir = g_dir_make_tmp ("digit-lab-cli-explain-XXXXXX", &error);
  g_assert_no_error (error);
  data_dir = g_build_filename (work_dir, "data", NULL);
  cache_dir = g_build_filename (work_dir, "cache", NULL);
  g_mkdir (data_dir, 0755);
  fixture_write_split (data_dir, "train", 200, 28, 28, 10, TRUE, 1);
  fixture_write_split (data_dir, "t10k", 50, 28, 28, 10, FALSE, 2);

  g_test_add_func ("/cli/explain/outputs", test_cli_explain_outputs);
  g_test_add_func ("/cli/explain/class-and-no-nearest", test_cli_explain_class_and_no_nearest);
  g_test_add_func ("/cli/explain/locales", test_cli_explain_locales);
  g_test_add_func ("/cli/explain/errors", test_cli_explain_errors);
  status = g_test_run ();
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", work_dir);

    if (system (cmd) != 0)
      g_printerr ("could not remove %s\n", work_dir);
  }
  g_free (cache_dir);
  g_free (data_dir);
  g_free (work_dir);
  return status;
}
