/* nn-layer.h: what a layer kind is — one row of function pointers per kind, as kann's kad_op_list */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "nn-json.h"
#include "nn-rng.h"

G_BEGIN_DECLS

/* One value per row of nn-layer-table.h. */
typedef enum
{
#define NN_LAYER_ROW(ID, klass) NN_LAYER_##ID,
#include "nn-layer-table.h"
#undef NN_LAYER_ROW
  NN_N_LAYER_KINDS
} NnLayerKind;

/* A layer as a spec gives it: its kind and the arguments that kind takes (each kind reads only
 * its own fields; the others stay 0). */
typedef struct
{
  NnLayerKind kind;
  size_t      channels;     /* conv2d: output channels */
  size_t      kernel;       /* conv2d: kernel size K */
  size_t      pad;          /* conv2d: zero padding */
  size_t      stride;       /* conv2d: step between windows (0 reads as 1) */
  size_t      pool;         /* maxpool: window and stride P */
  size_t      units;        /* dense: outputs */
  float       p;            /* dropout: drop probability */
} NnLayerSpec;

/* A layer in a network: its spec, shapes and views into the parameter block. */
typedef struct
{
  NnLayerSpec spec;
  size_t      in_c, in_h, in_w;      /* per-sample input shape (C, H, W) */
  gboolean    in_flat;               /* the input is a vector (after flatten or dense) */
  size_t      out_c, out_h, out_w;   /* per-sample output shape */
  size_t      weight_offset;         /* into the parameter block; n_weight == 0: no parameters */
  size_t      n_weight;
  size_t      bias_offset;
  size_t      n_bias;
  /* Values the layer keeps that no optimiser updates (PyTorch's buffers: batch norm's running
   * statistics), after every trainable parameter in the block; n_buffer == 0: none. */
  size_t      buffer_offset;
  size_t      n_buffer;
} NnLayer;

/* One argument of a spec item, "3" or "pad=1". */
typedef struct
{
  char   *key;              /* NULL for a positional argument */
  double  value;
} NnSpecArg;

/* Shape inference walks the layers in order with one of these. */
typedef struct
{
  size_t   index;           /* of the layer, from 0 */
  gboolean flat;            /* in: the input is a vector (after flatten or dense); out: the output */
  gboolean overflow;        /* set by a kind whose sizes overflow a size_t */
  size_t   col;             /* out: floats of the kind's workspace for one image (0: none) */
} NnLayerPlan;

/* How the threads that share one training batch meet inside a layer that needs the whole
 * batch (batch norm's statistics). Each thread runs forward and backward on its own slice of B
 * samples; a kind with batch_stats_size writes its per-sample sums into its rows of stats, waits
 * for every thread, then reads all B rows in order of sample, so that the result does not depend
 * on how the batch was split. */
typedef struct _NnBatchSync NnBatchSync;
struct _NnBatchSync
{
  double   *stats;          /* (B, ld): this layer's batch_stats_size columns of each row,
                             * shared by the threads; no other layer's call writes them */
  size_t    ld;             /* doubles from one sample's row to the next */
  size_t    start;          /* this thread's first sample in the batch */
  size_t    B;              /* samples in the whole batch */
  gboolean  lead;           /* this thread writes what is written once per batch */
  /* Returns when every thread of the batch has called it as often. */
  void    (*wait) (NnBatchSync *sync);
  gpointer  data;
};

/* The buffers a forward or backward call may use besides its input and output. */
typedef struct
{
  float   *col;             /* the network's largest NnLayerPlan.col */
  float   *dcol;            /* as large again, for backward */
  gpointer state;           /* (B, state_size) kept from forward for backward: argmax, masks */
  NnRng   *rng;             /* training's randomness; NULL at inference */
  NnBatchSync *sync;        /* training: the batch's threads; NULL at inference */
  float   *buffers;         /* the layer's n_buffer values (running statistics); NULL from a
                             * caller running a layer alone: then at buffer_offset in weight's
                             * block */
} NnLayerWork;

/* Threads inside a layer. A network with more threads than gradient slices (see
 * NnLayerTeamWork) runs each layer once for the whole batch, and a kind whose work splits finer
 * than the samples — output channels, tiles of a product, image groups — shares it out with
 * nn_team_run (): each item runs once, on any of the team's threads, and the call returns when
 * all have run. Items must write disjoint memory and compute the same values whichever thread
 * runs them (no atomics, no sums across items), so that results never depend on timing. */
typedef struct _NnTeam NnTeam;
typedef void (*NnTeamFunc) (gpointer data,
                            size_t   worker,   /* < nn_team_size (): whose scratch to use */
                            size_t   item);
void   nn_team_run  (NnTeam     *team,
                     size_t      n_items,
                     NnTeamFunc  func,
                     gpointer    data);
/* The threads that may run items, worker 0 being the caller's. */
size_t nn_team_size (const NnTeam *team);

/* What a kind's forward_team and backward_team get. The batch's samples lie one after the
 * other, in n_slices slices: slice s is samples [slice_start[s], slice_start[s + 1]) and adds its
 * weight gradients into its own block grads[s] (then the network sums the blocks in slice
 * order). A gradient must be the same sum in the same order as the kind's backward gives on
 * that slice alone — split the work by disjoint blocks of the gradient, never by samples — and
 * forward values the same as forward's: then any thread count with the same slices gives the
 * same weights, bit for bit. */
typedef struct
{
  NnTeam        *team;
  size_t         n_slices;
  const size_t  *slice_start;   /* (n_slices + 1) */
  float *const  *grads;         /* (n_slices) gradient blocks of n_params; add l->weight_offset */
  float *const  *col;           /* (team size) each thread's NnLayerWork.col */
  float *const  *dcol;          /* (team size) each thread's NnLayerWork.dcol */
  float         *batch_col;     /* (batch_col_samples, the largest NnLayerPlan.col): a workspace
                                 * per sample for that many samples at a time */
  size_t         batch_col_samples;
  gpointer       state;         /* (B, state_size) */
} NnLayerTeamWork;

typedef struct
{
  const char        *name;         /* as specs write it: "conv" */
  const char *const *aliases;      /* other names specs may use, NULL-terminated; or NULL */
  const char *const *options;      /* keyword arguments it takes ("pad"), NULL-terminated; or NULL */

  /* Fills spec's fields from a spec item's arguments, positional ones first; name is the one
   * the text used, for messages. NULL: the kind takes no arguments. */
  gboolean (*parse)      (NnLayerSpec       *spec,
                          const char        *name,
                          const NnSpecArg   *args,
                          size_t             n_positional,
                          size_t             n_args,
                          GError           **error);
  /* Appends the spec item that parses back into spec; NULL: the name alone. */
  void     (*print)      (const NnLayerSpec *spec,
                          GString           *out);

  /* Given l->spec and l->in_*, sets l->out_*, l->n_weight and l->n_bias, or fails with an
   * NN_NETWORK_ERROR_BAD_SHAPE naming the layer (plan->index + 1). NULL: output shape = input. */
  gboolean (*infer)      (NnLayer           *l,
                          NnLayerPlan       *plan,
                          GError           **error);
  /* Sets its parameters (l->n_weight > 0) in the block params; NULL: nn_layer_init_uniform. */
  void     (*init)       (const NnLayer     *l,
                          float             *params,
                          NnRng             *rng);
  /* Floats per sample kept from forward for backward (NULL: none). */
  size_t   (*state_size) (const NnLayer     *l);
  /* Doubles per sample it shares with the batch's other threads (NULL: none; see NnBatchSync). */
  size_t   (*batch_stats_size) (const NnLayer *l);
  /* The names of its buffers in model files, NULL-terminated, each n_buffer / their number
   * values long (PyTorch's "running_mean"); NULL when it has none. */
  const char *const *buffer_names;
  /* Whether loaded values make sense beyond being finite (a variance below zero does not): an
   * NN_NETWORK_ERROR_BAD_SHAPE naming the layer when not. NULL: any finite values do. */
  gboolean (*check_values) (const NnLayer   *l,
                            const float     *weight,
                            const float     *bias,
                            const float     *buffers,
                            size_t           index,
                            GError         **error);
  /* The layer may end a network: its outputs are the class scores. */
  gboolean  gives_scores;
  /* Its output is its input seen another way: no buffer, no work either way. */
  gboolean  is_view;
  /* The identity at inference: skipped there. */
  gboolean  train_only;
  /* backward may be given din == dout (elementwise kinds): the network passes it so. */
  gboolean  in_place;

  /* Training (work->rng set) or inference, on B samples: out (B, out) from in (B, in). weight
   * and bias point at the layer's offsets in a whole parameter block (the network's, or
   * inference's copy with batch norms folded). */
  void     (*forward)    (const NnLayer     *l,
                          float             *out,
                          const float       *in,
                          const float       *weight,
                          const float       *bias,
                          NnLayerWork       *work,
                          size_t             B);
  /* Overwrites din (skipped when NULL) and accumulates into dweight, dbias. */
  void     (*backward)   (const NnLayer     *l,
                          float             *din,
                          float             *dweight,
                          float             *dbias,
                          const float       *dout,
                          const float       *in,
                          const float       *out,
                          const float       *weight,
                          NnLayerWork       *work,
                          size_t             B);

  /* Optional, for kinds with work worth sharing out among threads (see NnTeam): the same
   * results as forward (inference or training; a kind that draws random numbers keeps to
   * forward) and as backward per slice, for the whole batch at once. A kind without them runs
   * per slice, the slices side by side. backward_team overwrites din (skipped when NULL; equal
   * to dout for in_place kinds) and accumulates each slice's gradients into work->grads. */
  void     (*forward_team)  (const NnLayer          *l,
                             float                  *out,
                             const float            *in,
                             const float            *weight,
                             const float            *bias,
                             const NnLayerTeamWork  *work,
                             size_t                  B);
  void     (*backward_team) (const NnLayer          *l,
                             float                  *din,
                             const float            *dout,
                             const float            *in,
                             const float            *out,
                             const float            *weight,
                             const NnLayerTeamWork  *work,
                             size_t                  B);

  /* Its entry in config.json's "layers" list, an inline object; NULL: {"type": name}. */
  void     (*write_config)   (const NnLayer *l,
                              NnJsonWriter  *w);
  /* The weight tensor's shape in model files (PyTorch's layout); returns its dimensions. */
  size_t   (*weight_shape)   (const NnLayer *l,
                              size_t         shape[4]);
  /* Its PyTorch module, such as "nn.Conv2d(1, 32, 3, padding=1)", for the model card. */
  void     (*append_pytorch) (const NnLayer *l,
                              GString       *out);
} NnLayerClass;

/* The row of a kind, or NULL for a value outside the table. */
const NnLayerClass *nn_layer_class             (NnLayerKind        kind);
/* The kind a spec calls name (or one of its aliases): FALSE when there is none. */
gboolean            nn_layer_kind_from_string  (const char        *name,
                                                NnLayerKind       *kind);
const char         *nn_layer_kind_to_string    (NnLayerKind        kind);
/* The names of every kind, ", "-separated, for messages. */
char               *nn_layer_kind_list         (void);

/* Helpers the kinds share. */
/* A whole number of what from 1 to max, or a BAD_ARGUMENT error. */
gboolean nn_layer_arg_count       (const char *layer,
                                   const char *what,
                                   double      value,
                                   size_t      max,
                                   size_t     *out,
                                   GError    **error);
/* n_positional within [lo, hi], or a BAD_ARGUMENT error. */
gboolean nn_layer_arg_expect      (const char *layer,
                                   size_t      n_positional,
                                   int         lo,
                                   int         hi,
                                   GError    **error);
/* a × b, setting *overflow when it does. */
size_t   nn_layer_mul             (size_t      a,
                                   size_t      b,
                                   gboolean   *overflow);
/* PyTorch's default initialisation: U(−1/√fan_in, 1/√fan_in) for the weights, then the biases,
 * fan_in = n_weight / n_bias. */
void     nn_layer_init_uniform    (const NnLayer *l,
                                   float         *params,
                                   NnRng         *rng);
/* "shape": a BAD_SHAPE error for layer index + 1 that starts "Layer N (name) ". */
void     nn_layer_set_shape_error (GError    **error,
                                   const NnLayer *l,
                                   size_t      index,
                                   const char *format,
                                   ...) G_GNUC_PRINTF (4, 5);

G_END_DECLS
