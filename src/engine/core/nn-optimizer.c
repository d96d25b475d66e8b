/* nn-optimizer.c: parameter updates; the moments are contiguous like the parameters */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-optimizer.h"

#include <math.h>
#include <string.h>

void
nn_optimizer_config_init (NnOptimizerConfig *config,
                          NnOptimizerKind    kind)
{
  g_return_if_fail (config != NULL);

  /* PyTorch's defaults, so recipes carry over */
  *config = (NnOptimizerConfig) {
    .kind = kind,
    .learning_rate = kind == NN_OPTIMIZER_ADAM ? 1e-3 : 1e-2,
    .beta1 = 0.9,
    .beta2 = 0.999,
    .eps = 1e-8,
    .momentum = 0.9,
    .weight_decay = 0.0,
  };
}

G_DEFINE_QUARK (nn-optimizer-error-quark, nn_optimizer_error)

NnOptimizer *
nn_optimizer_new (const NnOptimizerConfig *config,
                  size_t                   n_params,
                  GError                 **error)
{
  g_autoptr(NnOptimizer) opt = NULL;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  opt = g_new0 (NnOptimizer, 1);
  opt->config = *config;
  opt->n_params = n_params;
  /* as large as the parameters: a network near the engine's limits may not leave room */
  opt->m = g_try_new0 (float, MAX (n_params, 1));
  if (opt->m != NULL && config->kind == NN_OPTIMIZER_ADAM)
    opt->v = g_try_new0 (float, MAX (n_params, 1));
  if (opt->m == NULL || (config->kind == NN_OPTIMIZER_ADAM && opt->v == NULL))
    {
      g_set_error (error, NN_OPTIMIZER_ERROR, NN_OPTIMIZER_ERROR_NO_MEMORY,
                   "Not enough memory for the optimiser's state of %zu parameters", n_params);
      return NULL;
    }
  return g_steal_pointer (&opt);
}

void
nn_optimizer_free (NnOptimizer *opt)
{
  if (opt == NULL)
    return;
  g_free (opt->m);
  g_free (opt->v);
  g_free (opt);
}

const char *
nn_optimizer_kind_to_string (NnOptimizerKind kind)
{
  return kind == NN_OPTIMIZER_SGD ? "sgd" : "adam";
}

gboolean
nn_optimizer_kind_from_string (const char      *name,
                               NnOptimizerKind *kind)
{
  if (g_ascii_strcasecmp (name, "adam") == 0)
    *kind = NN_OPTIMIZER_ADAM;
  else if (g_ascii_strcasecmp (name, "sgd") == 0)
    *kind = NN_OPTIMIZER_SGD;
  else
    return FALSE;
  return TRUE;
}

void
nn_optimizer_begin_step (NnOptimizer *opt)
{
  g_return_if_fail (opt != NULL);

  opt->step++;
}

/* Adam on params [lo, hi). The same operations in the same order whatever the vector width
 * (C11 keeps the compiler from fusing multiply-adds), so every CPU gets the same bits; wider
 * vectors only take fewer cycles over the square roots and divisions. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__ ((target_clones ("avx512f", "avx2", "default")))
#endif
static void
adam_range (float       *params,
            const float *grads,
            float       *m,
            float       *v,
            size_t       lo,
            size_t       hi,
            float        wd,
            float        b1,
            float        b2,
            float        step_size,
            float        inv_sqrt_bc2,
            float        eps)
{
  for (size_t i = lo; i < hi; i++)
    {
      float g = grads[i] + wd * params[i];

      m[i] = b1 * m[i] + (1.0f - b1) * g;
      v[i] = b2 * v[i] + (1.0f - b2) * g * g;
      params[i] -= step_size * m[i] / (sqrtf (v[i]) * inv_sqrt_bc2 + eps);
    }
}

void
nn_optimizer_update (NnOptimizer *opt,
                     float       *params,
                     const float *grads,
                     size_t       lo,
                     size_t       hi)
{
  const NnOptimizerConfig *c;
  const float wd = (float) opt->config.weight_decay;

  g_return_if_fail (opt != NULL && params != NULL && grads != NULL);
  g_return_if_fail (lo <= hi && hi <= opt->n_params && opt->step > 0);

  c = &opt->config;
  if (c->kind == NN_OPTIMIZER_ADAM)
    {
      /* bias correction folded into the step size and epsilon, as PyTorch does */
      const double bc1 = 1.0 - pow (c->beta1, (double) opt->step);
      const double bc2 = 1.0 - pow (c->beta2, (double) opt->step);
      const float step_size = (float) (c->learning_rate / bc1);
      const float inv_sqrt_bc2 = (float) (1.0 / sqrt (bc2));

      adam_range (params, grads, opt->m, opt->v, lo, hi, wd, (float) c->beta1, (float) c->beta2,
                  step_size, inv_sqrt_bc2, (float) c->eps);
    }
  else
    {
      const float lr = (float) c->learning_rate, mu = (float) c->momentum;
      float *buf = opt->m;

      /* PyTorch's SGD: buf = mu * buf + g (g itself on the first step), p -= lr * buf */
      for (size_t i = lo; i < hi; i++)
        {
          float g = grads[i] + wd * params[i];

          buf[i] = opt->step == 1 ? g : mu * buf[i] + g;
          params[i] -= lr * buf[i];
        }
    }
}

void
nn_optimizer_step (NnOptimizer *opt,
                   float       *params,
                   const float *grads)
{
  g_return_if_fail (opt != NULL);

  nn_optimizer_begin_step (opt);
  nn_optimizer_update (opt, params, grads, 0, opt->n_params);
}
