/* test-report.c: the integrity report finds exactly the planted blanks and duplicates */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <locale.h>
#include <string.h>

#include "nn-json.h"
#include "nn-rng.h"
#include "nn-report.h"

static NnDataset *
planted_dataset (void)
{
  NnDataset *ds = nn_dataset_new ();
  NnRng rng;

  ds->kind = NN_DATASET_CUSTOM;
  ds->name = g_strdup ("planted");
  ds->dir = g_strdup ("generated");
  ds->n_classes = 3;
  ds->class_names = g_strsplit ("a b c", " ", -1);
  ds->train = nn_image_set_new (40, 4, 4);
  ds->test = nn_image_set_new (10, 4, 4);
  nn_rng_init (&rng, 1);
  for (size_t i = 0; i < 40 * 16; i++)
    ds->train->pixels[i] = (guint8) (1 + nn_rng_below (&rng, 255));
  for (size_t i = 0; i < 10 * 16; i++)
    ds->test->pixels[i] = (guint8) (1 + nn_rng_below (&rng, 255));
  for (size_t i = 0; i < 40; i++)
    ds->train->labels[i] = (guint8) (i % 3);
  for (size_t i = 0; i < 10; i++)
    ds->test->labels[i] = (guint8) (i % 2);

  /* train 7 is blank, train 8 has 3 lit pixels, train 30 repeats train 5, test 4 is train 12 */
  memset (ds->train->pixels + 7 * 16, 0, 16);
  memset (ds->train->pixels + 8 * 16, 0, 16);
  ds->train->pixels[8 * 16 + 3] = ds->train->pixels[8 * 16 + 9] = ds->train->pixels[8 * 16 + 15] = 9;
  memcpy (ds->train->pixels + 30 * 16, ds->train->pixels + 5 * 16, 16);
  memcpy (ds->test->pixels + 4 * 16, ds->train->pixels + 12 * 16, 16);
  return ds;
}

static void
test_report_planted (void)
{
  g_autoptr(NnDataset) ds = planted_dataset ();
  g_autoptr(GError) error = NULL;
  g_autoptr(NnReport) r = nn_report_new (ds, &error);
  const NnSplitReport *train;
  double mean, std;

  g_assert_no_error (error);
  train = &r->splits[0];
  g_assert_cmpuint (train->n_images, ==, 40);
  g_assert_cmpuint (train->n_blank, ==, 1);
  g_assert_cmpuint (train->n_near_blank, ==, 2);
  g_assert_cmpuint (train->n_duplicates, ==, 1);
  g_assert_cmpuint (train->duplicate_examples[0][0], ==, 5);
  g_assert_cmpuint (train->duplicate_examples[0][1], ==, 30);
  g_assert_cmpuint (r->splits[1].n_duplicates, ==, 0);
  g_assert_cmpuint (r->n_cross_duplicates, ==, 1);
  g_assert_cmpuint (r->cross_examples[0][0], ==, 12);
  g_assert_cmpuint (r->cross_examples[0][1], ==, 4);
  g_assert_cmpuint (train->class_counts[0], ==, 14);
  g_assert_cmpuint (train->class_counts[2], ==, 13);
  g_assert_cmpuint (r->splits[1].label_max, ==, 1);
  g_assert_cmpuint (train->histogram[0], ==, 16 + 13);

  nn_image_set_mean_std (ds->train, NULL, 0, &mean, &std);
  g_assert_cmpfloat_with_epsilon (train->mean, mean, 1e-12);
  g_assert_cmpfloat_with_epsilon (train->std, std, 1e-12);
  /* the class mean image of class 1 at pixel 0: average over its 13 images */
  {
    double s = 0;

    for (size_t i = 1; i < 40; i += 3)
      s += ds->train->pixels[i * 16] / 255.0;
    g_assert_cmpfloat_with_epsilon (train->class_means[1 * 16 + 0], s / 13, 1e-6);
  }
}

static void
test_report_outputs (void)
{
  g_autoptr(NnDataset) ds = planted_dataset ();
  g_autoptr(NnReport) r = nn_report_new (ds, NULL);
  g_autofree char *text = nn_report_to_text (r);
  g_autofree char *json = nn_report_to_json (r);
  g_autoptr(GError) error = NULL;
  g_autoptr(NnJsonNode) root = nn_json_parse (json, strlen (json), &error);
  const NnJsonNode *train;
  gint64 v;

  g_assert_nonnull (strstr (text, "1 blank, 2 near-blank"));
  g_assert_nonnull (strstr (text, "1 test images also appear in the training set"));
  g_assert_no_error (error);
  train = nn_json_object_get (root, "train");
  g_assert_true (nn_json_object_get_int_member (train, "duplicates", &v, NULL));
  g_assert_cmpint (v, ==, 1);
  g_assert_cmpuint (nn_json_array_get_length (nn_json_object_get (train, "histogram")), ==, 256);
  g_assert_cmpuint (nn_json_array_get_length (nn_json_object_get (train, "class_means")), ==, 3);
  g_assert_true (nn_json_object_get_int_member (root, "cross_duplicates", &v, NULL));
  g_assert_cmpint (v, ==, 1);
}

/* Machine-readable output ignores the locale: the JSON is the same under decimal commas. */
static void
test_report_json_locale (void)
{
  g_autoptr(NnDataset) ds = planted_dataset ();
  g_autoptr(NnReport) r = nn_report_new (ds, NULL);
  g_autofree char *c_json = nn_report_to_json (r);
  g_autofree char *saved = g_strdup (setlocale (LC_ALL, NULL));
  const char *const locales[] = { "de_DE.UTF-8", "sv_SE.UTF-8" };

  for (size_t i = 0; i < G_N_ELEMENTS (locales); i++)
    {
      g_autofree char *json = NULL;

      if (setlocale (LC_ALL, locales[i]) == NULL)
        {
          /* CI must have them (scripts/deps.sh generates them) */
          if (g_getenv ("CI") != NULL)
            g_error ("locale %s is missing", locales[i]);
          g_test_skip ("the de_DE and sv_SE locales are not generated");
          break;
        }
      json = nn_report_to_json (r);
      setlocale (LC_ALL, saved);
      g_assert_cmpstr (json, ==, c_json);
    }
  setlocale (LC_ALL, saved);
  g_assert_nonnull (strstr (c_json, "\"class_means\":[[0."));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/report/planted", test_report_planted);
  g_test_add_func ("/engine/report/outputs", test_report_outputs);
  g_test_add_func ("/engine/report/json-locale", test_report_json_locale);
  return g_test_run ();
}
