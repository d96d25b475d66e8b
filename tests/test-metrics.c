/* test-metrics.c: accuracy, precision, recall, F1 and the confusion matrix on a worked example */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>

#include "nn-metrics.h"

/* Three classes, six samples; predictions (argmax) are 0 0 1 1 2 0 for labels 0 1 1 2 2 2. */
static const float probs[6 * 3] = {
  0.8f, 0.1f, 0.1f,
  0.6f, 0.3f, 0.1f,
  0.2f, 0.7f, 0.1f,
  0.1f, 0.5f, 0.4f,
  0.1f, 0.1f, 0.8f,
  0.9f, 0.05f, 0.05f,
};
static const guint8 labels[6] = { 0, 1, 1, 2, 2, 2 };

static void
test_metrics_worked_example (void)
{
  g_autoptr(NnEvaluation) ev = nn_evaluation_new (probs, labels, 6, 3);
  const guint32 confusion[9] = { 1, 0, 0,  1, 1, 0,  1, 1, 1 };
  double loss;

  g_assert_cmpuint (ev->n_samples, ==, 6);
  g_assert_cmpfloat_with_epsilon (ev->accuracy, 3.0 / 6.0, 1e-12);
  for (int i = 0; i < 9; i++)
    g_assert_cmpuint (ev->confusion[i], ==, confusion[i]);

  /* class 0: predicted 3 times, 1 right; class 1: predicted twice, 1 right; class 2: once, right */
  g_assert_cmpfloat_with_epsilon (ev->precision[0], 1.0 / 3.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (ev->precision[1], 0.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (ev->precision[2], 1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (ev->recall[0], 1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (ev->recall[1], 0.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (ev->recall[2], 1.0 / 3.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (ev->f1[0], 0.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (ev->f1[1], 0.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (ev->f1[2], 0.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (ev->macro_precision, (1.0 / 3 + 0.5 + 1) / 3, 1e-12);
  g_assert_cmpfloat_with_epsilon (ev->macro_recall, (1 + 0.5 + 1.0 / 3) / 3, 1e-12);
  g_assert_cmpfloat_with_epsilon (ev->macro_f1, 0.5, 1e-12);
  g_assert_cmpuint (ev->support[2], ==, 3);

  loss = -(log (0.8) + log (0.3) + log (0.7) + log (0.4) + log (0.8) + log (0.05)) / 6;
  g_assert_cmpfloat_with_epsilon (ev->loss, loss, 1e-6);

  /* mistakes, most confident first: sample 5 (0.9), sample 1 (0.6), sample 3 (0.5) */
  g_assert_cmpuint (ev->n_mistakes, ==, 3);
  g_assert_cmpuint (ev->mistakes[0].index, ==, 5);
  g_assert_cmpuint (ev->mistakes[0].predicted, ==, 0);
  g_assert_cmpuint (ev->mistakes[0].label, ==, 2);
  g_assert_cmpfloat_with_epsilon (ev->mistakes[0].confidence, 0.9, 1e-6);
  g_assert_cmpfloat_with_epsilon (ev->mistakes[0].label_probability, 0.05, 1e-6);
  g_assert_cmpuint (ev->mistakes[1].index, ==, 1);
  g_assert_cmpuint (ev->mistakes[2].index, ==, 3);
  g_assert_cmpfloat_with_epsilon (ev->mistake_probs[2 * 3 + 1], 0.5, 1e-6);
}

static void
test_metrics_absent_class (void)
{
  /* class 2 never occurs and is never predicted: its scores are 0, not NaN */
  const float p[2 * 3] = { 0.9f, 0.05f, 0.05f, 0.1f, 0.8f, 0.1f };
  const guint8 l[2] = { 0, 1 };
  g_autoptr(NnEvaluation) ev = nn_evaluation_new (p, l, 2, 3);

  g_assert_cmpfloat (ev->accuracy, ==, 1.0);
  g_assert_cmpfloat (ev->precision[2], ==, 0.0);
  g_assert_cmpfloat (ev->recall[2], ==, 0.0);
  g_assert_cmpfloat (ev->f1[2], ==, 0.0);
  g_assert_true (isfinite (ev->macro_f1));
  g_assert_cmpuint (ev->n_mistakes, ==, 0);
}

static void
test_metrics_argmax (void)
{
  const float v[5] = { 0.1f, 0.7f, 0.7f, -1.0f, 0.2f };

  /* ties go to the first */
  g_assert_cmpuint (nn_argmax (v, 5), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/metrics/worked-example", test_metrics_worked_example);
  g_test_add_func ("/engine/metrics/absent-class", test_metrics_absent_class);
  g_test_add_func ("/engine/metrics/argmax", test_metrics_argmax);
  return g_test_run ();
}
