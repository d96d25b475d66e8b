/* nn-fusion.h: the fusion pass — runs of layers that execute as one step (conv → ReLU → pool) */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "nn-layer.h"

G_BEGIN_DECLS

/* The only place that recognises patterns of layer kinds. Two patterns:
 * - conv → ReLU → 2×2 max-pool with an even conv output, run without writing the conv's and the
 *   ReLU's outputs, by im2col (bit for bit the three layers) or, for convs with enough channels,
 *   by Winograd (the same up to rounding);
 * - at inference, a batch norm right after a conv or dense layer folded into its weights and
 *   bias: W' = W·s, b' = (b − mean)·s + β with s = γ / √(var + eps) per output channel, exact
 *   up to rounding as nothing lies between the two; conv → batch norm → ReLU → pool is then the
 *   first pattern. */

/* Layers the fused step that starts at layers[i] covers, or 0 when none starts there; at
 * inference a folded batch norm is among them. */
size_t nn_fusion_length     (const NnLayer *layers,
                             size_t         n_layers,
                             size_t         i,
                             gboolean       inference);

/* Whether layers[i] is a batch norm that inference folds into layers[i − 1]. */
gboolean nn_fusion_folds    (const NnLayer *layers,
                             size_t         n_layers,
                             size_t         i);
gboolean nn_fusion_any_fold (const NnLayer *layers,
                             size_t         n_layers);
/* folded (n_params) = params with every folding batch norm folded into the layer before it;
 * the batch norms' own values are copied unchanged (inference skips them). */
void   nn_fusion_fold       (const NnLayer *layers,
                             size_t         n_layers,
                             const float   *params,
                             float         *folded,
                             size_t         n_params);

/* Buffers of one worker shared by every fused step, each the largest nn_fusion_workspace gave. */
typedef struct
{
  float  *col;              /* im2col (or Winograd tiles) of a group of images */
  float  *tmp;              /* that group's conv outputs before pooling */
  float  *dcol;             /* training: the gradient of a group's im2col */
  size_t  capacity;         /* samples the worker holds */
} NnFusionWork;

/* Raises *col, *tmp and *dcol to what the step at layers[i] needs for capacity samples. */
void   nn_fusion_workspace  (const NnLayer *layers,
                             size_t         i,
                             size_t         capacity,
                             size_t        *col,
                             size_t        *tmp,
                             size_t        *dcol,
                             gboolean      *overflow);

/* The step at layers[i] on B samples: out is its last layer's output. With argmax (the pool's
 * winners, as its state) it is training's forward, else inference's. */
void   nn_fusion_forward    (const NnLayer      *layers,
                             size_t              i,
                             float              *out,
                             guint32            *argmax,
                             const float        *in,
                             const float        *params,
                             const NnFusionWork *work,
                             size_t              B);

/* Its backward from dout (the last layer's output gradient): din gets the input gradient
 * (skipped when NULL), dconv is scratch of the conv output's size, grads is accumulated into.
 * out and argmax are the forward's. */
void   nn_fusion_backward   (const NnLayer      *layers,
                             size_t              i,
                             float              *din,
                             float              *dconv,
                             float              *grads,
                             const float        *dout,
                             const float        *in,
                             const float        *out,
                             const guint32      *argmax,
                             const float        *params,
                             const NnFusionWork *work,
                             size_t              B);

/* The same step for the whole batch on a team of threads (see NnLayerTeamWork): image groups,
 * the weight gradient's blocks and the input gradient's groups are shared out; the results are
 * nn_fusion_forward's and, slice by slice, nn_fusion_backward's, bit for bit. */
typedef struct
{
  NnLayerTeamWork     base;
  const NnFusionWork *works;   /* (team size) each thread's buffers */
  float              *U;       /* nn_fusion_team_shared () floats, for transformed weights */
} NnFusionTeamWork;

/* Floats of the shared buffer the step at layers[i] needs. */
size_t nn_fusion_team_shared (const NnLayer *layers,
                              size_t         i);
void   nn_fusion_forward_team  (const NnLayer          *layers,
                                size_t                  i,
                                float                  *out,
                                guint32                *argmax,
                                const float            *in,
                                const float            *params,
                                const NnFusionTeamWork *work,
                                size_t                  B);
void   nn_fusion_backward_team (const NnLayer          *layers,
                                size_t                  i,
                                float                  *din,
                                float                  *dconv,
                                const float            *dout,
                                const float            *in,
                                const float            *out,
                                const guint32          *argmax,
                                const float            *params,
                                const NnFusionTeamWork *work,
                                size_t                  B);

G_END_DECLS
