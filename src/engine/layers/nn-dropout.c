/* nn-dropout.c: Bernoulli masks drawn from the caller's random stream */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-dropout.h"

#include "nn-json.h"
#include "nn-layer.h"
#include "nn-spec.h"

#include <string.h>

void
nn_dropout_forward (float       *out,
                    float       *mask,
                    const float *in,
                    size_t       n,
                    float        p,
                    gboolean     training,
                    NnRng       *rng)
{
  float keep_scale;

  if (!training || p <= 0.0f)
    {
      if (out != in)
        memcpy (out, in, sizeof (float) * n);
      for (size_t i = 0; i < n; i++)
        mask[i] = 1.0f;
      return;
    }
  g_return_if_fail (rng != NULL && p < 1.0f);

  keep_scale = 1.0f / (1.0f - p);
  for (size_t i = 0; i < n; i++)
    {
      mask[i] = nn_rng_uniform (rng) >= p ? keep_scale : 0.0f;
      out[i] = in[i] * mask[i];
    }
}

void
nn_dropout_backward (float       *din,
                     const float *dout,
                     const float *mask,
                     size_t       n)
{
  for (size_t i = 0; i < n; i++)
    din[i] = dout[i] * mask[i];
}

/* ---- The layer kind: "dropout(p)", the identity at inference ------------------------------ */

static gboolean
dropout_parse (NnLayerSpec     *spec,
               const char      *name,
               const NnSpecArg *args,
               size_t           n_positional,
               size_t           n_args,
               GError         **error)
{
  if (!nn_layer_arg_expect (name, n_positional, 0, 1, error))
    return FALSE;
  spec->p = n_args == 1 ? (float) args[0].value : 0.5f;
  if (!(spec->p >= 0.0f && spec->p < 1.0f))
    {
      g_set_error (error, NN_SPEC_ERROR, NN_SPEC_ERROR_BAD_ARGUMENT,
                   "Architecture: dropout probability must be in [0, 1), not %g",
                   args[0].value);
      return FALSE;
    }
  return TRUE;
}

static void
dropout_print (const NnLayerSpec *spec,
               GString           *out)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_printf (out, "dropout(%s)", g_ascii_formatd (buf, sizeof buf, "%g", spec->p));
}

/* the mask */
static size_t
dropout_state_size (const NnLayer *l)
{
  return l->out_c * l->out_h * l->out_w;
}

static void
dropout_forward (const NnLayer *l,
                 float         *out,
                 const float   *in,
                 const float   *weight,
                 const float   *bias,
                 NnLayerWork   *work,
                 size_t         B)
{
  nn_dropout_forward (out, work->state, in, B * l->out_c * l->out_h * l->out_w, l->spec.p,
                      work->rng != NULL, work->rng);
}

static void
dropout_backward (const NnLayer *l,
                  float         *din,
                  float         *dweight,
                  float         *dbias,
                  const float   *dout,
                  const float   *in,
                  const float   *out,
                  const float   *weight,
                  NnLayerWork   *work,
                  size_t         B)
{
  if (din != NULL)
    nn_dropout_backward (din, dout, work->state, B * l->out_c * l->out_h * l->out_w);
}

static void
dropout_write_config (const NnLayer *l,
                      NnJsonWriter  *w)
{
  nn_json_write_begin_object (w, NN_JSON_INLINE);
  nn_json_write_key (w, "type");
  nn_json_write_string (w, "dropout");
  nn_json_write_key (w, "p");
  nn_json_write_number_fmt (w, "%.9g", l->spec.p);
  nn_json_write_end_object (w);
}

static void
dropout_append_pytorch (const NnLayer *l,
                        GString       *out)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_printf (out, "nn.Dropout(%s)", g_ascii_formatd (buf, sizeof buf, "%.9g",
                                                                  l->spec.p));
}

const NnLayerClass nn_dropout_layer = {
  .name = "dropout",
  .parse = dropout_parse,
  .print = dropout_print,
  .state_size = dropout_state_size,
  .train_only = TRUE,
  .in_place = TRUE,
  .forward = dropout_forward,
  .backward = dropout_backward,
  .write_config = dropout_write_config,
  .append_pytorch = dropout_append_pytorch,
};
