/* nn-spec.h: network architectures as data — a one-line text spec shared by CLI, app and files */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "nn-layer.h"

G_BEGIN_DECLS

#define NN_SPEC_ERROR (nn_spec_error_quark ())
GQuark nn_spec_error_quark (void);

typedef enum
{
  NN_SPEC_ERROR_SYNTAX,
  NN_SPEC_ERROR_UNKNOWN_LAYER,
  NN_SPEC_ERROR_BAD_ARGUMENT,
  NN_SPEC_ERROR_BAD_SHAPE,
} NnSpecError;

typedef struct
{
  NnLayerSpec *layers;
  size_t       n_layers;
} NnSpec;

/* The reference recipe: the default everywhere. */
#define NN_SPEC_REFERENCE \
  "conv(32,3,pad=1) relu maxpool(2) conv(64,3,pad=1) relu maxpool(2) flatten dense(128) relu dense(10)"
/* The architectures of the "quick" and "accurate" recipes (nn-preset.h). */
#define NN_SPEC_QUICK \
  "conv(16,5,stride=2,pad=2) batchnorm relu conv(32,3,stride=2,pad=1) batchnorm relu " \
  "flatten dense(64) batchnorm relu dense(10)"
#define NN_SPEC_ACCURATE \
  "conv(32,3,pad=1) batchnorm relu maxpool(2) conv(64,3,pad=1) batchnorm relu conv(64,3,pad=1) " \
  "batchnorm relu maxpool(2) flatten dense(128) batchnorm relu dropout(0.25) dense(10)"

NnSpec      *nn_spec_parse         (const char   *text,
                                    GError      **error);

/* Bytes [start, end) of a spec's text. */
typedef struct
{
  size_t start;
  size_t end;
} NnSpecSpan;

/* nn_spec_parse that also says where an error is: the layer item it is in ("conv(8,x)" whole),
 * or the whole text when it has no layers. */
NnSpec      *nn_spec_parse_located (const char   *text,
                                    NnSpecSpan   *error_span,
                                    GError      **error);
/* Where the index-th layer item (0-based, as nn_spec_parse counts them) is in text; FALSE when
 * there are fewer items. For pointing at a layer that a later check refuses. */
gboolean     nn_spec_item_span     (const char   *text,
                                    size_t        index,
                                    NnSpecSpan   *span);
char        *nn_spec_to_string     (const NnSpec *spec);
NnSpec      *nn_spec_copy          (const NnSpec *spec);
void         nn_spec_free          (NnSpec       *spec);

/* Named presets for the UI and the CLI's --arch; NULL-terminated (name, spec) pairs. */
const char  *nn_spec_preset_lookup (const char   *name);
const char *const *nn_spec_preset_names (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnSpec, nn_spec_free)

G_END_DECLS
