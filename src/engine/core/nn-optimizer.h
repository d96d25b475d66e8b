/* nn-optimizer.h: Adam with bias correction and SGD with momentum over one parameter block */
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
} NnOptimizerKind;

typedef struct
{
  NnOptimizerKind kind;
  double          learning_rate;
  double          beta1;          /* Adam */
  double          beta2;          /* Adam */
  double          eps;            /* Adam */
  double          momentum;       /* SGD */
  double          weight_decay;   /* L2 added to the gradient, both kinds */
} NnOptimizerConfig;

typedef struct
{
  NnOptimizerConfig config;
  size_t            n_params;
  guint64           step;         /* updates done so far */
  float            *m;            /* (n_params) Adam first moment, or SGD velocity */
  float            *v;            /* (n_params) Adam second moment; NULL for SGD */
} NnOptimizer;

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
const char  *nn_optimizer_kind_to_string (NnOptimizerKind kind);
gboolean     nn_optimizer_kind_from_string (const char      *name,
                                            NnOptimizerKind *kind);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnOptimizer, nn_optimizer_free)

G_END_DECLS
