/* nn-metrics.c: classification metrics computed once from predicted probabilities */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

size_t
nn_argmax (const float *values,
           size_t       n)
{
  size_t best = 0;

  for (size_t k = 1; k < n; k++)
    if (values[k] > values[best])
      best = k;
  return best;
}

static int
compare_mistakes (const void *a,
                  const void *b)
{
  const NnMistake *x = a, *y = b;

  if (x->confidence != y->confidence)
    return x->confidence > y->confidence ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

NnEvaluation *
nn_evaluation_new (const float  *probs,
                   const guint8 *labels,
                   size_t        n,
                   size_t        n_classes)
{
  NnEvaluation *ev;
  guint32 *predicted_count;
  size_t n_correct = 0;
  double loss = 0;

  g_return_val_if_fail (probs != NULL || n == 0, NULL);
  g_return_val_if_fail (labels != NULL || n == 0, NULL);
  g_return_val_if_fail (n_classes >= 2 && n_classes <= 256, NULL);

  ev = g_new0 (NnEvaluation, 1);
  ev->n_classes = n_classes;
  ev->n_samples = n;
  ev->confusion = g_new0 (guint32, n_classes * n_classes);
  ev->precision = g_new0 (double, n_classes);
  ev->recall = g_new0 (double, n_classes);
  ev->f1 = g_new0 (double, n_classes);
  ev->support = g_new0 (guint32, n_classes);
  predicted_count = g_new0 (guint32, n_classes);

  for (size_t i = 0; i < n; i++)
    {
      const float *p = probs + i * n_classes;
      size_t pred = nn_argmax (p, n_classes);
      size_t label = labels[i];

      g_return_val_if_fail (label < n_classes, ev);
      ev->confusion[label * n_classes + pred]++;
      ev->support[label]++;
      predicted_count[pred]++;
      loss -= log (MAX ((double) p[label], 1e-30));
      if (pred == label)
        n_correct++;
      else
        ev->n_mistakes++;
    }

  ev->accuracy = n > 0 ? (double) n_correct / n : 0.0;
  ev->loss = n > 0 ? loss / n : 0.0;
  for (size_t k = 0; k < n_classes; k++)
    {
      double tp = ev->confusion[k * n_classes + k];

      ev->precision[k] = predicted_count[k] > 0 ? tp / predicted_count[k] : 0.0;
      ev->recall[k] = ev->support[k] > 0 ? tp / ev->support[k] : 0.0;
      ev->f1[k] = ev->precision[k] + ev->recall[k] > 0
                    ? 2 * ev->precision[k] * ev->recall[k] / (ev->precision[k] + ev->recall[k])
                    : 0.0;
      ev->macro_precision += ev->precision[k] / n_classes;
      ev->macro_recall += ev->recall[k] / n_classes;
      ev->macro_f1 += ev->f1[k] / n_classes;
    }
  g_free (predicted_count);

  ev->mistakes = g_new0 (NnMistake, ev->n_mistakes);
  ev->mistake_probs = g_new0 (float, ev->n_mistakes * n_classes);
  for (size_t i = 0, m = 0; i < n; i++)
    {
      const float *p = probs + i * n_classes;
      size_t pred = nn_argmax (p, n_classes);

      if (pred == labels[i])
        continue;
      ev->mistakes[m] = (NnMistake) {
        .index = (guint32) i,
        .label = labels[i],
        .predicted = (guint8) pred,
        .confidence = p[pred],
        .label_probability = p[labels[i]],
      };
      m++;
    }
  /* no mistakes leaves the array NULL, which qsort must not be given even with 0 elements */
  if (ev->n_mistakes > 0)
    qsort (ev->mistakes, ev->n_mistakes, sizeof (NnMistake), compare_mistakes);
  for (size_t m = 0; m < ev->n_mistakes; m++)
    memcpy (ev->mistake_probs + m * n_classes, probs + (size_t) ev->mistakes[m].index * n_classes,
            sizeof (float) * n_classes);
  return ev;
}

void
nn_evaluation_free (NnEvaluation *ev)
{
  if (ev == NULL)
    return;
  g_free (ev->confusion);
  g_free (ev->precision);
  g_free (ev->recall);
  g_free (ev->f1);
  g_free (ev->support);
  g_free (ev->mistakes);
  g_free (ev->mistake_probs);
  g_free (ev);
}
