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

/* Outputs [o0, o1) of samples [b0, b1) of nn_dense_forward on B samples: the same values. */
static void
dense_forward_block (float       *out,
                     const float *in,
                     const float *weight,
                     const float *bias,
                     size_t       B,
                     size_t       IN,
                     size_t       OUT,
                     size_t       b0,
                     size_t       b1,
                     size_t       o0,
                     size_t       o1)
{
  /* A few samples: one pass over the weights as dot products costs less than packing them for
   * a GEMM (a drawn digit is a batch of one). */
  if (B <= 4)
    {
      gboolean avx512 = (nn_cpu_level () == NN_CPU_AVX512);

      for (size_t b = b0; b < b1; b++)
        for (size_t o = o0; o < o1; o++)
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

  for (size_t b = b0; b < b1; b++)
    for (size_t o = o0; o < o1; o++)
      out[b * OUT + o] = bias[o];
  /* out += in · weightᵀ */
  if (b1 > b0 && o1 > o0)
    nn_sgemm (NN_NO_TRANS, NN_TRANS, b1 - b0, o1 - o0, IN, 1.0f, in + b0 * IN, IN,
              weight + o0 * IN, IN, 1.0f, out + b0 * OUT + o0, OUT);
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
  dense_forward_block (out, in, weight, bias, B, IN, OUT, 0, B, 0, OUT);
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

/* On a team of threads: blocks of the outputs, of each slice's weight gradient and of the input
 * gradient; every value is the sum nn_dense_forward or, slice by slice, nn_dense_backward
 * computes, in the same order. */
typedef struct
{
  const NnLayer         *l;
  const NnLayerTeamWork *work;
  float                 *out, *din;
  const float           *in, *dout, *weight, *bias;
  size_t                 B;
  size_t                 mb, nb, n_rows, n_cols;       /* forward, or the weight gradient */
  size_t                 n_first;                      /* backward: weight gradient items */
  size_t                 din_mb, din_nb, din_cols;     /* backward: the input gradient */
} DenseJob;

static size_t
largest_slice (const NnLayerTeamWork *work)
{
  size_t n = 0;

  for (size_t s = 0; s < work->n_slices; s++)
    n = MAX (n, work->slice_start[s + 1] - work->slice_start[s]);
  return n;
}

static void
dense_forward_item (gpointer data,
                    size_t   worker,
                    size_t   item)
{
  DenseJob *job = data;
  const NnLayer *l = job->l;
  size_t per_slice = job->n_rows * job->n_cols, s = item / per_slice, r = item % per_slice;
  size_t lo = job->work->slice_start[s], n = job->work->slice_start[s + 1] - lo;
  size_t b0 = MIN (n, (r / job->n_cols) * job->mb), o0 = (r % job->n_cols) * job->nb;

  /* the slice decides between dot products and a GEMM, as it would alone */
  dense_forward_block (job->out + lo * l->out_c, job->in + lo * l->in_c, job->weight, job->bias,
                       n, l->in_c, l->out_c, b0, MIN (n, b0 + job->mb), o0,
                       MIN (l->out_c, o0 + job->nb));
}

static void
dense_forward_team (const NnLayer         *l,
                    float                 *out,
                    const float           *in,
                    const float           *weight,
                    const float           *bias,
                    const NnLayerTeamWork *work,
                    size_t                 B)
{
  DenseJob job = { .l = l, .work = work, .out = out, .in = in, .weight = weight, .bias = bias,
                   .B = B };
  size_t n = largest_slice (work), n_threads = nn_team_size (work->team);

  nn_sgemm_blocks (MAX (n, (size_t) 1), l->out_c,
                   MAX ((size_t) 1, 2 * n_threads / work->n_slices), &job.mb, &job.nb);
  job.n_rows = (MAX (n, (size_t) 1) + job.mb - 1) / job.mb;
  job.n_cols = (l->out_c + job.nb - 1) / job.nb;
  nn_team_run (work->team, work->n_slices * job.n_rows * job.n_cols, dense_forward_item, &job);
}

static void
dense_backward_item (gpointer data,
                     size_t   worker,
                     size_t   item)
{
  DenseJob *job = data;
  const NnLayer *l = job->l;
  size_t IN = l->in_c, OUT = l->out_c;

  if (item < job->n_first)
    {
      /* block (rows of OUT, columns of IN) of slice s's weight gradient: doutᵀ · in over the
       * slice's samples, and for the first column block the bias gradient's rows */
      size_t per_slice = job->n_rows * job->n_cols, s = item / per_slice, r = item % per_slice;
      size_t lo = job->work->slice_start[s], n = job->work->slice_start[s + 1] - lo;
      size_t o0 = (r / job->n_cols) * job->mb, o1 = MIN (OUT, o0 + job->mb);
      size_t i0 = (r % job->n_cols) * job->nb, i1 = MIN (IN, i0 + job->nb);
      float *dweight = job->work->grads[s] + l->weight_offset;
      float *dbias = job->work->grads[s] + l->bias_offset;
      const float *dout = job->dout + lo * OUT;

      if (n == 0)
        return;
      if (i0 == 0)
        for (size_t b = 0; b < n; b++)
          for (size_t o = o0; o < o1; o++)
            dbias[o] += dout[b * OUT + o];
      nn_sgemm (NN_TRANS, NN_NO_TRANS, o1 - o0, i1 - i0, n, 1.0f, dout + o0, OUT,
                job->in + lo * IN + i0, IN, 1.0f, dweight + o0 * IN + i0, IN);
    }
  else
    {
      /* block of the input gradient dout · weight */
      size_t r = item - job->n_first;
      size_t b0 = (r / job->din_cols) * job->din_mb, b1 = MIN (job->B, b0 + job->din_mb);
      size_t i0 = (r % job->din_cols) * job->din_nb, i1 = MIN (IN, i0 + job->din_nb);

      nn_sgemm (NN_NO_TRANS, NN_NO_TRANS, b1 - b0, i1 - i0, OUT, 1.0f, job->dout + b0 * OUT, OUT,
                job->weight + i0, IN, 0.0f, job->din + b0 * IN + i0, IN);
    }
}

static void
dense_backward_team (const NnLayer         *l,
                     float                 *din,
                     const float           *dout,
                     const float           *in,
                     const float           *out,
                     const float           *weight,
                     const NnLayerTeamWork *work,
                     size_t                 B)
{
  DenseJob job = { .l = l, .work = work, .din = din, .in = in, .dout = dout, .weight = weight,
                   .B = B };
  size_t n_threads = nn_team_size (work->team), n_din = 0;

  nn_sgemm_blocks (l->out_c, l->in_c, MAX ((size_t) 1, 2 * n_threads / work->n_slices), &job.mb,
                   &job.nb);
  job.n_rows = (l->out_c + job.mb - 1) / job.mb;
  job.n_cols = (l->in_c + job.nb - 1) / job.nb;
  job.n_first = work->n_slices * job.n_rows * job.n_cols;
  if (din != NULL && B > 0)
    {
      nn_sgemm_blocks (B, l->in_c, 2 * n_threads, &job.din_mb, &job.din_nb);
      job.din_cols = (l->in_c + job.din_nb - 1) / job.din_nb;
      n_din = (B + job.din_mb - 1) / job.din_mb * job.din_cols;
    }
  nn_team_run (work->team, job.n_first + n_din, dense_backward_item, &job);
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
  .forward_team = dense_forward_team,
  .backward_team = dense_backward_team,
  .write_config = dense_write_config,
  .weight_shape = dense_weight_shape,
  .append_pytorch = dense_append_pytorch,
};
