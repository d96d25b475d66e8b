/* nn-optimizer.h: Adam, AdamW and SGD with momentum over one parameter block; learning-rate
 * schedules */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NN_OPTIMIZER_ERROR (nn_optimizer_error_quark ())
GQuark nn_optimizer_error_quark (void);

typedef enum
{
  NN_OPTIMIZER_ERROR_NO_MEMORY,
} NnOptimizerError;

typedef enum
{
  NN_OPTIMIZER_ADAM,
  NN_OPTIMIZER_SGD,
  NN_OPTIMIZER_ADAMW,   /* Adam with decoupled weight decay (Loshchilov & Hutter) */
} NnOptimizerKind;

typedef struct
{
  NnOptimizerKind kind;
  double          learning_rate;
  double          beta1;          /* Adam, AdamW */
  double          beta2;          /* Adam, AdamW */
  double          eps;            /* Adam, AdamW */
  double          momentum;       /* SGD */
  double          weight_decay;   /* Adam, SGD: L2 added to the gradient; AdamW: decoupled, as
                                   * PyTorch's AdamW: p −= lr × weight_decay × p before the Adam
                                   * step */
} NnOptimizerConfig;

typedef struct
{
  NnOptimizerConfig config;
  size_t            n_params;
  guint64           step;         /* updates done so far */
  double            lr;           /* the rate of the next update: the config's unless a
                                   * schedule sets it (nn_lr_schedule_at) */
  float            *m;            /* (n_params) Adam first moment, or SGD velocity */
  float            *v;            /* (n_params) Adam second moment; NULL for SGD */
} NnOptimizer;

/* Learning-rate schedules, applied before every batch from the number of updates done so far
 * (so a run resumed from a checkpoint continues at exactly the same rate). With base the
 * configured rate, t the updates done, T the run's updates (epochs × batches per epoch):
 *   constant   base
 *   step       base × gamma^⌊t / (step_epochs × batches per epoch)⌋ — PyTorch's StepLR stepped
 *              once per epoch
 *   cosine     min_lr + (base − min_lr) × (1 + cos (π t / T)) / 2 — PyTorch's
 *              CosineAnnealingLR with T_max = T, eta_min = min_lr, stepped per batch
 *   one-cycle  PyTorch's OneCycleLR (two phases, cosine annealing, max_lr = base, stepped per
 *              batch): from base / div_factor up to base over the first pct_start × T − 1
 *              updates, then down to base / (div_factor × final_div_factor) at update T − 1.
 *              The momentum (Adam's beta1) is not cycled: cycle_momentum=False. */
typedef enum
{
  NN_LR_SCHEDULE_CONSTANT,
  NN_LR_SCHEDULE_STEP,
  NN_LR_SCHEDULE_COSINE,
  NN_LR_SCHEDULE_ONE_CYCLE,
} NnLrScheduleKind;

#define NN_LR_SCHEDULE_MAX_STEP_EPOCHS 10000

typedef struct
{
  NnLrScheduleKind kind;
  guint            step_epochs;       /* step: epochs between decays, 1 … 10000 (1) */
  double           gamma;             /* step: factor of each decay, (0, 1] (0.1) */
  double           min_lr;            /* cosine: the floor, [0, base] (0) */
  double           pct_start;         /* one-cycle: share of the updates rising, (0, 1) (0.3) */
  double           div_factor;        /* one-cycle: the start is base / div_factor, ≥ 1 (25) */
  double           final_div_factor;  /* one-cycle: the end is the start / this, ≥ 1 (10⁴) */
} NnLrSchedule;

void         nn_optimizer_config_init  (NnOptimizerConfig       *config,
                                        NnOptimizerKind          kind);
/* The moments start at zero; a state too large for memory is an error, never an abort. */
NnOptimizer *nn_optimizer_new          (const NnOptimizerConfig *config,
                                        size_t                   n_params,
                                        GError                 **error);
void         nn_optimizer_free         (NnOptimizer             *opt);
/* One update of every parameter. */
void         nn_optimizer_step         (NnOptimizer             *opt,
                                        float                   *params,
                                        const float             *grads);
/* The same in parts that may run at once on different threads: begin_step counts the step,
 * then update covers parameters [lo, hi), each exactly once. */
void         nn_optimizer_begin_step   (NnOptimizer             *opt);
void         nn_optimizer_update       (NnOptimizer             *opt,
                                        float                   *params,
                                        const float             *grads,
                                        size_t                   lo,
                                        size_t                   hi);
/* Adam and AdamW keep a second moment (v); SGD does not. */
gboolean     nn_optimizer_kind_has_second_moment (NnOptimizerKind kind);
const char  *nn_optimizer_kind_to_string (NnOptimizerKind kind);
gboolean     nn_optimizer_kind_from_string (const char      *name,
                                            NnOptimizerKind *kind);

/* PyTorch's defaults for the parameters; constant. */
void         nn_lr_schedule_init       (NnLrSchedule            *schedule);
/* NULL when every field is within the bounds above (min_lr against base), else what is not. */
const char  *nn_lr_schedule_check      (const NnLrSchedule      *schedule,
                                        double                   base);
/* The rate of update number t + 1 (t updates done) of a run of total_steps updates,
 * steps_per_epoch to an epoch. Constant gives base itself, bit for bit. */
double       nn_lr_schedule_at         (const NnLrSchedule      *schedule,
                                        double                   base,
                                        guint64                  t,
                                        guint64                  steps_per_epoch,
                                        guint64                  total_steps);
const char  *nn_lr_schedule_kind_to_string   (NnLrScheduleKind  kind);
gboolean     nn_lr_schedule_kind_from_string (const char       *name,
                                              NnLrScheduleKind *kind);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnOptimizer, nn_optimizer_free)

G_END_DECLS
