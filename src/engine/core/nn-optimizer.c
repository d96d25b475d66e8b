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
    .learning_rate = kind == NN_OPTIMIZER_SGD ? 1e-2 : 1e-3,
    .beta1 = 0.9,
    .beta2 = 0.999,
    .eps = 1e-8,
    .momentum = 0.9,
    .weight_decay = kind == NN_OPTIMIZER_ADAMW ? 1e-2 : 0.0,
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
  opt->lr = config->learning_rate;
  /* as large as the parameters: a network near the engine's limits may not leave room */
  opt->m = g_try_new0 (float, MAX (n_params, 1));
  if (opt->m != NULL && nn_optimizer_kind_has_second_moment (config->kind))
    opt->v = g_try_new0 (float, MAX (n_params, 1));
  if (opt->m == NULL || (nn_optimizer_kind_has_second_moment (config->kind) && opt->v == NULL))
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

gboolean
nn_optimizer_kind_has_second_moment (NnOptimizerKind kind)
{
  return kind == NN_OPTIMIZER_ADAM || kind == NN_OPTIMIZER_ADAMW;
}

const char *
nn_optimizer_kind_to_string (NnOptimizerKind kind)
{
  switch (kind)
    {
    case NN_OPTIMIZER_SGD:
      return "sgd";
    case NN_OPTIMIZER_ADAMW:
      return "adamw";
    case NN_OPTIMIZER_ADAM:
    default:
      return "adam";
    }
}

gboolean
nn_optimizer_kind_from_string (const char      *name,
                               NnOptimizerKind *kind)
{
  if (g_ascii_strcasecmp (name, "adam") == 0)
    *kind = NN_OPTIMIZER_ADAM;
  else if (g_ascii_strcasecmp (name, "sgd") == 0)
    *kind = NN_OPTIMIZER_SGD;
  else if (g_ascii_strcasecmp (name, "adamw") == 0)
    *kind = NN_OPTIMIZER_ADAMW;
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

/* Adam on params [lo, hi); keep is 1 − lr × weight decay for AdamW (exactly 1 for Adam, whose
 * decay wd goes into the gradient instead). The same operations in the same order whatever the vector width
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
            float        keep,
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
      params[i] = params[i] * keep - step_size * m[i] / (sqrtf (v[i]) * inv_sqrt_bc2 + eps);
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
  if (nn_optimizer_kind_has_second_moment (c->kind))
    {
      /* bias correction folded into the step size and epsilon, as PyTorch does */
      const double bc1 = 1.0 - pow (c->beta1, (double) opt->step);
      const double bc2 = 1.0 - pow (c->beta2, (double) opt->step);
      const float step_size = (float) (opt->lr / bc1);
      const float inv_sqrt_bc2 = (float) (1.0 / sqrt (bc2));
      const gboolean decoupled = c->kind == NN_OPTIMIZER_ADAMW;
      /* PyTorch's AdamW: param.mul_(1 − lr × weight_decay), then Adam without decay */
      const float keep = decoupled ? (float) (1.0 - opt->lr * c->weight_decay) : 1.0f;

      adam_range (params, grads, opt->m, opt->v, lo, hi, decoupled ? 0.0f : wd, keep,
                  (float) c->beta1, (float) c->beta2, step_size, inv_sqrt_bc2, (float) c->eps);
    }
  else
    {
      const float lr = (float) opt->lr, mu = (float) c->momentum;
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

/* ---- learning-rate schedules ---------------------------------------------------------- */

void
nn_lr_schedule_init (NnLrSchedule *schedule)
{
  g_return_if_fail (schedule != NULL);

  *schedule = (NnLrSchedule) {
    .kind = NN_LR_SCHEDULE_CONSTANT,
    .step_epochs = 1,
    .gamma = 0.1,
    .min_lr = 0.0,
    .pct_start = 0.3,
    .div_factor = 25.0,
    .final_div_factor = 1e4,
  };
}

/* NaN fails every comparison, so each bound also refuses it. */
const char *
nn_lr_schedule_check (const NnLrSchedule *s,
                      double              base)
{
  g_return_val_if_fail (s != NULL, "no schedule");

  if (s->kind != NN_LR_SCHEDULE_CONSTANT && s->kind != NN_LR_SCHEDULE_STEP &&
      s->kind != NN_LR_SCHEDULE_COSINE && s->kind != NN_LR_SCHEDULE_ONE_CYCLE)
    return "the learning-rate schedule must be constant, step, cosine or one-cycle";
  if (s->step_epochs < 1 || s->step_epochs > NN_LR_SCHEDULE_MAX_STEP_EPOCHS)
    return "the step schedule's step size must be between 1 and "
           G_STRINGIFY (NN_LR_SCHEDULE_MAX_STEP_EPOCHS) " epochs";
  if (!(s->gamma > 0 && s->gamma <= 1))
    return "the step schedule's factor (gamma) must be in (0, 1]";
  if (!(s->min_lr >= 0 && s->min_lr <= base))
    return "the cosine schedule's floor must be between 0 and the learning rate";
  if (!(s->pct_start > 0 && s->pct_start < 1))
    return "the one-cycle warm-up share must be in (0, 1)";
  if (!(s->div_factor >= 1 && s->div_factor <= 1e6))
    return "the one-cycle start divisor must be between 1 and 10^6";
  if (!(s->final_div_factor >= 1 && s->final_div_factor <= 1e9))
    return "the one-cycle final divisor must be between 1 and 10^9";
  return NULL;
}

/* PyTorch's _anneal_cos: from start at pct 0 to end at pct 1 */
static double
anneal_cos (double start,
            double end,
            double pct)
{
  return end + (start - end) / 2.0 * (cos (G_PI * pct) + 1.0);
}

double
nn_lr_schedule_at (const NnLrSchedule *s,
                   double              base,
                   guint64             t,
                   guint64             steps_per_epoch,
                   guint64             total_steps)
{
  g_return_val_if_fail (s != NULL, base);

  steps_per_epoch = MAX (steps_per_epoch, 1);
  total_steps = MAX (total_steps, 1);
  switch (s->kind)
    {
    case NN_LR_SCHEDULE_STEP:
      {
        guint64 period = (guint64) MAX (s->step_epochs, 1) * steps_per_epoch;

        return base * pow (s->gamma, (double) (t / period));
      }

    case NN_LR_SCHEDULE_COSINE:
      t = MIN (t, total_steps);
      return s->min_lr + (base - s->min_lr) * (1.0 + cos (G_PI * (double) t / total_steps)) / 2.0;

    case NN_LR_SCHEDULE_ONE_CYCLE:
      {
        /* OneCycleLR's phases: end_step = pct_start × total − 1, then total − 1 */
        const double initial = base / s->div_factor;
        const double final = initial / s->final_div_factor;
        const double end1 = s->pct_start * (double) total_steps - 1.0;
        const double end2 = (double) total_steps - 1.0;
        const double step = (double) MIN (t, total_steps - 1);

        if (step <= end1)
          return anneal_cos (initial, base, end1 > 0 ? step / end1 : 1.0);
        return anneal_cos (base, final, end2 > end1 ? (step - end1) / (end2 - end1) : 1.0);
      }

    case NN_LR_SCHEDULE_CONSTANT:
    default:
      return base;
    }
}

const char *
nn_lr_schedule_kind_to_string (NnLrScheduleKind kind)
{
  switch (kind)
    {
    case NN_LR_SCHEDULE_STEP:
      return "step";
    case NN_LR_SCHEDULE_COSINE:
      return "cosine";
    case NN_LR_SCHEDULE_ONE_CYCLE:
      return "one-cycle";
    case NN_LR_SCHEDULE_CONSTANT:
    default:
      return "constant";
    }
}

gboolean
nn_lr_schedule_kind_from_string (const char       *name,
                                 NnLrScheduleKind *kind)
{
  static const NnLrScheduleKind kinds[] = {
    NN_LR_SCHEDULE_CONSTANT, NN_LR_SCHEDULE_STEP, NN_LR_SCHEDULE_COSINE, NN_LR_SCHEDULE_ONE_CYCLE,
  };

  g_return_val_if_fail (name != NULL && kind != NULL, FALSE);

  for (size_t i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (g_ascii_strcasecmp (name, nn_lr_schedule_kind_to_string (kinds[i])) == 0)
      {
        *kind = kinds[i];
        return TRUE;
      }
  return FALSE;
}
