/* make-seeds.c: the fuzzers' seed inputs, written with the engine's own writers so that they
 * stay valid as the formats evolve (run by make-seeds.sh) */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "fuzz-dataset.h"
#include "nn-idx.h"
#include "nn-json.h"
#include "nn-model.h"
#include "nn-png.h"
#include "nn-rng.h"
#include "nn-safetensors.h"
#include "nn-spec.h"
#include "nn-trainer.h"

static const char *out_dir;

static char *
seed_path (const char *target,
           const char *name)
{
  g_autofree char *dir = g_build_filename (out_dir, target, NULL);

  g_mkdir_with_parents (dir, 0755);
  return g_build_filename (dir, name, NULL);
}

static void
write_seed (const char *target,
            const char *name,
            const void *data,
            size_t      size)
{
  g_autofree char *path = seed_path (target, name);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, data, (gssize) size, &error);
  g_assert_no_error (error);
}

static void
write_text (const char *target,
            const char *name,
            const char *text)
{
  write_seed (target, name, text, strlen (text));
}

static GBytes *
read_bytes (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents;
  gsize length;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, length);
}

/* Copies a file the engine wrote into the corpus, whole or cut to its first cut bytes. */
static void
copy_seed (const char *from,
           const char *target,
           const char *name,
           gssize      cut)
{
  g_autoptr(GBytes) b = read_bytes (from);
  size_t size = g_bytes_get_size (b);

  write_seed (target, name, g_bytes_get_data (b, NULL), cut >= 0 ? MIN ((size_t) cut, size) : size);
}

static char *
tmp_path (const char *name)
{
  static char *tmp;

  if (tmp == NULL)
    {
      g_autoptr(GError) error = NULL;

      tmp = g_dir_make_tmp ("fuzz-seeds-XXXXXX", &error);
      g_assert_no_error (error);
    }
  return g_build_filename (tmp, name, NULL);
}

/* ---- IDX ---------------------------------------------------------------------------------- */

static void
idx_seeds (void)
{
  struct { size_t n, rows, cols; } shapes[] = { { 1, 1, 1 }, { 3, 4, 5 }, { 2, 28, 28 } };

  for (size_t s = 0; s < G_N_ELEMENTS (shapes); s++)
    for (int gz = 0; gz < 2; gz++)
      {
        size_t total = shapes[s].n * shapes[s].rows * shapes[s].cols;
        g_autofree guint8 *pixels = g_malloc (total);
        g_autofree guint8 *labels = g_malloc (shapes[s].n);
        g_autofree char *ipath = tmp_path (gz ? "images.gz" : "images");
        g_autofree char *lpath = tmp_path (gz ? "labels.gz" : "labels");
        g_autofree char *name = g_strdup_printf ("%zux%zux%zu%s", shapes[s].n, shapes[s].rows,
                                                 shapes[s].cols, gz ? ".gz" : "");
        g_autofree char *cut_name = g_strdup_printf ("%s-truncated", name);
        g_autoptr(GError) error = NULL;

        for (size_t i = 0; i < total; i++)
          pixels[i] = (guint8) (i * 37);
        for (size_t i = 0; i < shapes[s].n; i++)
          labels[i] = (guint8) (i % 10);
        nn_idx_save_images (ipath, pixels, shapes[s].n, shapes[s].rows, shapes[s].cols, &error);
        g_assert_no_error (error);
        nn_idx_save_labels (lpath, labels, shapes[s].n, &error);
        g_assert_no_error (error);
        copy_seed (ipath, "idx-images", name, -1);
        copy_seed (lpath, "idx-labels", name, -1);
        if (s == 1)
          {
            copy_seed (ipath, "idx-images", cut_name, gz ? 30 : 40);
            copy_seed (lpath, "idx-labels", cut_name, gz ? 24 : 10);
          }
      }

  /* headers that lie: zero and huge dimensions, trailing bytes, the other file's magic */
  {
    static const guint8 zero[] = { 0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 28, 0, 0, 0, 28 };
    static const guint8 huge[] = { 0, 0, 8, 3, 0, 0x98, 0x96, 0x80, 0, 0, 0x10, 0, 0, 0, 0x10, 0 };
    static const guint8 trailing[] = { 0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 7, 9 };
    static const guint8 labels_magic[] = { 0, 0, 8, 1, 0, 0, 0, 2, 1, 2 };
    static const guint8 bad_label[] = { 0, 0, 8, 1, 0, 0, 0, 2, 1, 200 };
    static const guint8 labels_huge[] = { 0, 0, 8, 1, 0x7f, 0xff, 0xff, 0xff };

    write_seed ("idx-images", "zero-images", zero, sizeof zero);
    write_seed ("idx-images", "huge-header", huge, sizeof huge);
    write_seed ("idx-images", "trailing-data", trailing, sizeof trailing);
    write_seed ("idx-images", "labels-magic", labels_magic, sizeof labels_magic);
    write_seed ("idx-labels", "images-magic", trailing, 16);
    write_seed ("idx-labels", "label-200", bad_label, sizeof bad_label);
    write_seed ("idx-labels", "huge-header", labels_huge, sizeof labels_huge);

    /* 100,000 images of 128×128 (1.6 GB, within the limits) in a 16-byte file, raw and
     * compressed: once the reader allocated all of it before finding the file short. */
    static const guint8 lying[] = { 0, 0, 8, 3, 0, 1, 0x86, 0xa0, 0, 0, 0, 0x80, 0, 0, 0, 0x80 };
    g_autofree char *gz_path = tmp_path ("lying.gz");
    gzFile gz = gzopen (gz_path, "wb9");

    write_seed ("idx-images", "lying-header", lying, sizeof lying);
    g_assert_nonnull (gz);
    g_assert_cmpint (gzwrite (gz, lying, sizeof lying), ==, sizeof lying);
    g_assert_cmpint (gzclose (gz), ==, Z_OK);
    copy_seed (gz_path, "idx-images", "lying-header.gz", -1);
  }
}

/* ---- safetensors ------------------------------------------------------------------------ */

static void
safetensors_seeds (void)
{
  float values[24];
  NnTensor tensors[3] = {
    { .name = (char *) "0.weight", .n_dims = 4, .shape = { 2, 1, 3, 3 }, .data = values },
    { .name = (char *) "0.bias", .n_dims = 1, .shape = { 2 }, .data = values + 18 },
    { .name = (char *) "scalar", .n_dims = 0, .data = values + 20 },
  };
  const char *meta[] = { "format", "digit-lab-checkpoint", "note", "ü \"quoted\"", NULL };
  struct { const char *name; size_t n; const char *const *meta; } sets[] = {
    { "one-tensor", 1, NULL }, { "conv-layer", 2, NULL }, { "with-metadata", 2, meta },
    { "scalar", 3, meta }, { "empty", 0, NULL },
  };

  for (size_t i = 0; i < G_N_ELEMENTS (values); i++)
    values[i] = (float) i / 8 - 1;
  for (size_t s = 0; s < G_N_ELEMENTS (sets); s++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) b = nn_safetensors_serialize (tensors, sets[s].n, sets[s].meta, &error);

      g_assert_no_error (error);
      write_seed ("safetensors", sets[s].name, g_bytes_get_data (b, NULL), g_bytes_get_size (b));
      if (s == 2)
        write_seed ("safetensors", "truncated", g_bytes_get_data (b, NULL),
                    g_bytes_get_size (b) - 5);
    }
  {
    static const char overlap[] = "\x6c\0\0\0\0\0\0\0{\"a\":{\"dtype\":\"F32\",\"shape\":[2],"
      "\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}"
      "        AAAABBBB";
    static const char f16[] = "\x44\0\0\0\0\0\0\0{\"a\":{\"dtype\":\"F16\",\"shape\":[2],"
      "\"data_offsets\":[0,4]}}    AABB";

    write_seed ("safetensors", "overlapping", overlap, sizeof overlap - 1);
    write_seed ("safetensors", "f16", f16, sizeof f16 - 1);
  }
}

/* ---- JSON and specs ----------------------------------------------------------------------- */

static void
json_seeds (const char *src_dir)
{
  static const char *const texts[][2] = {
    { "object", "{\"a\": 1, \"b\": [true, false, null], \"c\": {\"d\": \"e\"}}" },
    { "numbers", "[0, -0, 1e308, -1.5E-7, 123456789012345678901234567890, 2.5e-324]" },
    { "escapes", "\"\\u00fc\\ud83d\\ude00\\n\\t\\\\\\/\\\"\"" },
    { "lone-surrogate", "\"\\ud800\"" },
    { "duplicate-keys", "{\"k\": 1, \"k\": \"two\"}" },
    { "nested", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[{}]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]" },
    { "utf8", "\"grüße — 数字 \xf0\x9f\x98\x80\"" },
    { "bad-utf8", "\"\xc3\x28\"" },
    { "trailing-comma", "[1, 2,]" },
    { "whitespace", " \t\r\n{ } \n" },
  };
  g_autofree char *config = g_build_filename (src_dir, "data", "model", "config.json", NULL);

  for (size_t i = 0; i < G_N_ELEMENTS (texts); i++)
    write_text ("json", texts[i][0], texts[i][1]);
  copy_seed (config, "json", "model-config", -1);
}

static void
spec_seeds (void)
{
  const char *const *presets = nn_spec_preset_names ();
  static const char *const more[][2] = {
    { "spaces", "  conv( 8 , 5 )  relu\tmaxpool(2) flatten dense(10) " },
    { "dropout", "flatten dropout(0.5) dense(10)" },
    { "pad", "conv(4,3,pad=1) conv(4,5,pad=2) flatten dense(2)" },
    { "bad-arg", "conv(0,3) dense(-1)" },
    { "unknown", "conv(4,3) softmax" },
    { "big", "conv(99999999999,3) dense(18446744073709551617)" },
  };

  for (size_t i = 0; presets[i] != NULL; i++)
    write_text ("spec", presets[i], nn_spec_preset_lookup (presets[i]));
  for (size_t i = 0; i < G_N_ELEMENTS (more); i++)
    write_text ("spec", more[i][0], more[i][1]);
}

/* ---- models ------------------------------------------------------------------------------- */

/* config.json, a NUL, model.safetensors: what fuzz-model reads */
static void
write_model_seed (const char *name,
                  const char *dir,
                  gboolean    with_weights)
{
  g_autofree char *cpath = g_build_filename (dir, NN_MODEL_CONFIG_FILE, NULL);
  g_autofree char *wpath = g_build_filename (dir, NN_MODEL_WEIGHTS_FILE, NULL);
  g_autoptr(GBytes) config = read_bytes (cpath);
  g_autoptr(GByteArray) seed = g_byte_array_new ();

  g_byte_array_append (seed, g_bytes_get_data (config, NULL), g_bytes_get_size (config));
  if (with_weights)
    {
      g_autoptr(GBytes) weights = read_bytes (wpath);

      g_byte_array_append (seed, (const guint8 *) "", 1);
      g_byte_array_append (seed, g_bytes_get_data (weights, NULL), g_bytes_get_size (weights));
    }
  write_seed ("model", name, seed->data, seed->len);
}

static void
model_seeds (const char *src_dir)
{
  struct { const char *name, *spec; size_t C, H, W, n_classes; } models[] = {
    { "linear", "flatten dense(3)", 1, 4, 4, 3 },
    { "mlp", "flatten dense(6) relu dropout(0.25) dense(4)", 1, 5, 3, 4 },
    { "cnn", "conv(2,3,pad=1) relu maxpool(2) flatten dense(3)", 1, 6, 6, 3 },
    { "cnn-rgb", "conv(3,3) relu conv(2,1) maxpool(3) flatten dense(2)", 3, 8, 7, 2 },
    /* batch norm's buffers and checks, a strided 5×5 conv, global average pooling */
    { "bn-cnn", "conv(4,5,pad=2,stride=2) batchnorm relu globalavgpool flatten dense(6) "
      "batchnorm dense(3)", 1, 8, 8, 3 },
  };
  g_autofree char *bundled = g_build_filename (src_dir, "data", "model", NULL);

  for (size_t m = 0; m < G_N_ELEMENTS (models); m++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(NnSpec) spec = nn_spec_parse (models[m].spec, &error);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(NnModel) model = NULL;
      g_autofree char *dir = tmp_path (models[m].name);
      NnNormalisation norm = { 0.13f, 0.31f };
      NnRng rng;
      g_autofree char *no_weights = g_strdup_printf ("%s-config-only", models[m].name);

      g_assert_no_error (error);
      for (size_t k = 0; k < models[m].n_classes; k++)
        g_ptr_array_add (names, g_strdup_printf ("class %zu", k));
      g_ptr_array_add (names, NULL);
      model = nn_model_new (spec, models[m].C, models[m].H, models[m].W, NULL, &norm, "seed",
                            (const char *const *) names->pdata, 1, &error);
      g_assert_no_error (error);
      nn_rng_init (&rng, 7 + m);
      nn_network_init_params (model->net, &rng);
      nn_model_save (model, dir, &error);
      g_assert_no_error (error);
      write_model_seed (models[m].name, dir, TRUE);
      if (m == 0)
        write_model_seed (no_weights, dir, FALSE);
    }
  /* The bundled model's config alone (its weights are too big for a corpus): the loader still
   * allocates the reference network. */
  write_model_seed ("bundled-config-only", bundled, FALSE);
}

/* fuzz-model-fields reads bytes as choices; a few fixed byte strings start it off. */
static void
model_fields_seeds (void)
{
  for (guint s = 0; s < 8; s++)
    {
      g_autoptr(GRand) rand = g_rand_new_with_seed (s + 1);
      guint8 bytes[64];
      g_autofree char *name = g_strdup_printf ("random-%u", s);

      for (size_t i = 0; i < sizeof bytes; i++)
        bytes[i] = (guint8) g_rand_int (rand);
      write_seed ("model-fields", name, bytes, sizeof bytes);
    }
}

/* ---- checkpoints ------------------------------------------------------------------------ */

static void
checkpoint_seeds (void)
{
  struct { const char *name, *spec; NnOptimizerKind kind; guint epochs; } runs[] = {
    { "adam-linear", "flatten dense(4)", NN_OPTIMIZER_ADAM, 1 },
    { "sgd-mlp", "flatten dense(5) relu dense(4)", NN_OPTIMIZER_SGD, 2 },
    { "adam-cnn", "conv(2,3,pad=1) relu maxpool(2) flatten dense(4)", NN_OPTIMIZER_ADAM, 2 },
  };
  g_autoptr(NnDataset) ds = fuzz_dataset_new ();

  for (size_t r = 0; r < G_N_ELEMENTS (runs); r++)
    {
      NnTrainConfig c;
      g_autoptr(NnTrainer) trainer = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *path = tmp_path ("checkpoint.safetensors");
      gboolean stopped = FALSE;

      nn_train_config_init (&c);
      g_free (c.spec);
      c.spec = g_strdup (runs[r].spec);
      c.epochs = runs[r].epochs;
      c.batch_size = 8;
      c.validation_size = 8;
      c.n_threads = 1;
      c.seed = 42 + r;
      c.progress_every = 2;
      nn_optimizer_config_init (&c.optimizer, runs[r].kind);
      trainer = nn_trainer_new (&c, ds, &error);
      g_assert_no_error (error);
      nn_trainer_run (trainer, NULL, &stopped, &error);
      g_assert_no_error (error);
      nn_trainer_save_checkpoint (trainer, path, &error);
      g_assert_no_error (error);
      copy_seed (path, "checkpoint", runs[r].name, -1);
      nn_train_config_clear (&c);
    }
}

/* ---- PNG ---------------------------------------------------------------------------------- */

static void
png_seeds (void)
{
  struct { const char *name; size_t w, h; int kind; } pics[] = {
    { "digit-dark-on-light", 28, 28, 0 }, { "digit-light-on-dark", 20, 30, 1 },
    { "blank", 9, 9, 2 }, { "one-pixel", 1, 1, 1 }, { "wide-rgba", 40, 6, 3 },
  };

  for (size_t p = 0; p < G_N_ELEMENTS (pics); p++)
    {
      size_t w = pics[p].w, h = pics[p].h, ch = pics[p].kind == 3 ? 4 : 1;
      g_autofree guint8 *px = g_malloc0 (w * h * ch);
      g_autofree char *path = tmp_path ("picture.png");
      g_autoptr(GError) error = NULL;

      for (size_t y = 0; y < h; y++)
        for (size_t x = 0; x < w; x++)
          {
            gboolean ink = (x >= w / 3 && x <= w / 2) || (y == h / 4 && x > w / 4);
            guint8 v = pics[p].kind == 0 ? (ink ? 10 : 240) : pics[p].kind == 2 ? 255 : (ink ? 250 : 0);

            if (ch == 4)
              {
                px[(y * w + x) * 4 + 0] = v;
                px[(y * w + x) * 4 + 1] = v / 2;
                px[(y * w + x) * 4 + 2] = 0;
                px[(y * w + x) * 4 + 3] = ink ? 255 : 0;
              }
            else
              px[y * w + x] = v;
          }
      if (ch == 4)
        nn_png_save_rgba (path, px, w, h, w * 4, &error);
      else
        nn_png_save_gray (path, px, w, h, w, &error);
      g_assert_no_error (error);
      copy_seed (path, "png", pics[p].name, -1);
      if (p == 0)
        copy_seed (path, "png", "truncated", 60);
    }
}

int
main (int    argc,
      char **argv)
{
  if (argc != 3)
    {
      g_printerr ("usage: %s SOURCE_DIR CORPUS_DIR\n", argv[0]);
      return 2;
    }
  out_dir = argv[2];
  idx_seeds ();
  safetensors_seeds ();
  json_seeds (argv[1]);
  spec_seeds ();
  model_seeds (argv[1]);
  model_fields_seeds ();
  checkpoint_seeds ();
  png_seeds ();
  return 0;
}
