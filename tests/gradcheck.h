/* gradcheck.h: central differences against analytic gradients, for the layer tests */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <math.h>
#include <glib.h>

#include "nn-rng.h"

/* The scalar loss L = Σ r·f(x) for a fixed random projection r makes any layer's output
 * checkable: dL/dout = r. */
typedef double (*GradcheckLoss) (gpointer user_data);

static inline void
gradcheck_fill (float   *v,
                size_t   n,
                NnRng   *rng,
                float    scale)
{
  for (size_t i = 0; i < n; i++)
    v[i] = scale * nn_rng_normal (rng);
}

static inline double
gradcheck_dot (const float *a,
               const float *b,
               size_t       n)
{
  double s = 0;

  for (size_t i = 0; i < n; i++)
    s += (double) a[i] * b[i];
  return s;
}

/* Perturbs each of the n values of x in turn and compares the numeric derivative of loss with
 * analytic[i]; returns the largest relative error (with an absolute floor). */
static inline double
gradcheck_max_error (float         *x,
                     const float   *analytic,
                     size_t         n,
                     float          eps,
                     GradcheckLoss  loss,
                     gpointer       user_data)
{
  double worst = 0;

  for (size_t i = 0; i < n; i++)
    {
      float saved = x[i];
      double lp, lm, numeric, err;

      x[i] = saved + eps;
      lp = loss (user_data);
      x[i] = saved - eps;
      lm = loss (user_data);
      x[i] = saved;
      numeric = (lp - lm) / (2.0 * eps);
      err = fabs (numeric - analytic[i]) / MAX (1e-2, fabs (numeric) + fabs (analytic[i]));
      worst = MAX (worst, err);
    }
  return worst;
}
