/* nn-export.h: a folder ready for the Hugging Face Hub — weights, config and a model card */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "nn-metrics.h"
#include "nn-model.h"

G_BEGIN_DECLS

/* The model card (README.md) text; every number comes from ev, measured on the test set. */
char     *nn_export_model_card   (const NnModel      *model,
                                  const NnEvaluation *ev);
/* Writes DIR/model.safetensors, DIR/config.json and DIR/README.md. */
gboolean  nn_export_hugging_face (const NnModel      *model,
                                  const NnEvaluation *ev,
                                  const char         *dir,
                                  GError            **error);

G_END_DECLS
