/* nn-dense.c: fully connected forward and backward as GEMMs, and as dot products for a few samples */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-dense.h"

#include "nn-cpu.h"
#include "nn-gemm.h"
#include "nn-json.h"
#include "nn-layer.h"


/* Sixteen independent partial sums, which the compiler keeps in vector registers. */
static float
dot_generic (const float *a,
             const float *b,
             size_t       n)
{
  float acc[16] = { 0 };
  float s = 0.0f;
  size_t k = 0;

  for (; k + 16 <= n; k += 16)
    for (int j = 0; j < 16; j++)
      acc[j] += a[k + j] * b[k + j];
  for (; k < n; k++)
    s += a[k] * b[k];
  for (int j = 0; j < 16; j++)
    s += acc[j];
  return s;
}

void
nn_dense_forward (float       *out,
                  const float *in,
                  const float *weight,
                  const float *bias,
                  size_t       B,
                  size_t       IN,
                  size_t       OUT)
{
  /* A few samples: one pass over the weights as dot products costs less than packing them for
   * a GEMM (a drawn digit is a batch of one). */
  if (B <= 4)
    {
      gboolean avx512 = (nn_cpu_level () == NN_CPU_AVX512);

      for (size_t b = 0; b < B; b++)
        for (size_t o = 0; o < OUT; o++)
          {
            const float *w = weight + o * IN, *x = in + b * IN;
            float d;

#if defined(__x86_64__) && defined(__GNUC__)
            if (avx512)
              d = nn_dense_dot_avx512 (w, x, IN);
            else
#endif
              d = dot_generic (w, x, IN);
            out[b * OUT + o] = bias[o] + d;
          }
      (void) avx512;
      return;
    }

  for (size_t b = 0; b < B; b++)
    for (size_t o = 0; o < OUT; o++)
      out[b * OUT + o] = bias[o];
  /* out += in · weightᵀ */
  nn_sgemm (NN_NO_TRANS, NN_TRANS, B, OUT, IN, 1.0f, in, IN, weight, IN, 1.0f, out, OUT);
}

void
nn_dense_backward (float       *din,
                   float       *dweight,
                   float       *dbias,
                   const float *dout,
                   const float *in,
                   const float *weight,
                   size_t       B,
                   size_t       IN,
                   size_t       OUT)
{
  for (size_t b = 0; b < B; b++)
    for (size_t o = 0; o < OUT; o++)
      dbias[o] += dout[b * OUT + o];
  /* dweight += doutᵀ · in */
  nn_sgemm (NN_TRANS, NN_NO_TRANS, OUT, IN, B, 1.0f, dout, OUT, in, IN, 1.0f, dweight, IN);
  /* din = dout · weight */
  if (din != NULL)
    nn_sgemm (NN_NO_TRANS, NN_NO_TRANS, B, IN, OUT, 1.0f, dout, OUT, weight, IN, 0.0f, din, IN);
}

/* ---- The layer kind: "dense(OUT)" --------------------------------------------------------- */

static const char *const dense_aliases[] = { "linear", NULL };

static gboolean
dense_parse (NnLayerSpec     *spec,
             const char      *name,
             const NnSpecArg *args,
             size_t           n_positional,
             size_t           n_args,
             GError         **error)
{
  return nn_layer_arg_expect (name, n_positional, 1, 1, error) &&
         nn_layer_arg_count (name, "of units", args[0].value, 65536, &spec->units, error);
}

static void
dense_print (const NnLayerSpec *spec,
             GString           *out)
{
  g_string_append_printf (out, "dense(%zu)", spec->units);
}

static gboolean
dense_infer (NnLayer     *l,
             NnLayerPlan *plan,
             GError     **error)
{
  if (!plan->flat && (l->in_h != 1 || l->in_w != 1))
    {
      nn_layer_set_shape_error (error, l, plan->index,
                                " needs a flat input: put “flatten” before it");
      return FALSE;
    }
  if (l->spec.units == 0)
    {
      nn_layer_set_shape_error (error, l, plan->index, " has no units");
      return FALSE;
    }
  l->n_weight = nn_layer_mul (l->spec.units, l->in_c, &plan->overflow);
  l->n_bias = l->spec.units;
  l->out_c = l->spec.units;
  l->out_h = l->out_w = 1;
  plan->flat = TRUE;
  return TRUE;
}

static void
dense_forward (const NnLayer *l,
               float         *out,
               const float   *in,
               const float   *weight,
               const float   *bias,
               NnLayerWork   *work,
               size_t         B)
{
  nn_dense_forward (out, in, weight, bias, B, l->in_c, l->out_c);
}

static void
dense_backward (const NnLayer *l,
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
  nn_dense_backward (din, dweight, dbias, dout, in, weight, B, l->in_c, l->out_c);
}

static void
dense_write_config (const NnLayer *l,
                    NnJsonWriter  *w)
{
  nn_json_write_begin_object (w, NN_JSON_INLINE);
  nn_json_write_key (w, "type");
  nn_json_write_string (w, "linear");
  nn_json_write_key (w, "in_features");
  nn_json_write_uint (w, l->in_c);
  nn_json_write_key (w, "out_features");
  nn_json_write_uint (w, l->out_c);
  nn_json_write_end_object (w);
}

static size_t
dense_weight_shape (const NnLayer *l,
                    size_t         shape[4])
{
  shape[0] = l->out_c;
  shape[1] = l->in_c;
  return 2;
}

static void
dense_append_pytorch (const NnLayer *l,
                      GString       *out)
{
  g_string_append_printf (out, "nn.Linear(%zu, %zu)", l->in_c, l->out_c);
}

const NnLayerClass nn_dense_layer = {
  .name = "dense",
  .aliases = dense_aliases,
  .parse = dense_parse,
  .print = dense_print,
  .infer = dense_infer,
  .init = nn_layer_init_uniform,
  .gives_scores = TRUE,
  .forward = dense_forward,
  .backward = dense_backward,
  .write_config = dense_write_config,
  .weight_shape = dense_weight_shape,
  .append_pytorch = dense_append_pytorch,
};
