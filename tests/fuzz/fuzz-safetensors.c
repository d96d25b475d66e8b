/* fuzz-safetensors.c: the safetensors reader on any bytes; what it accepts must write back and
 * read again to the same tensors and metadata */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "fuzz-common.h"

#include "nn-safetensors.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_init_glib ();
  return 0;
}

static size_t
tensor_size (const NnTensor *t)
{
  size_t n = 1;

  for (size_t d = 0; d < t->n_dims; d++)
    n *= t->shape[d];
  return n;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnSafetensors) st = nn_safetensors_load_from_bytes (data, size, &error);
  g_autoptr(NnSafetensors) again = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree NnTensor *tensors = NULL;
  size_t n;
  static const char *const keys[] = { "format", "digit_lab_config", "spec", "__metadata__", "" };

  if (st == NULL)
    {
      g_assert_nonnull (error);
      return 0;
    }
  g_assert_no_error (error);
  n = nn_safetensors_get_n_tensors (st);
  tensors = g_new0 (NnTensor, n + 1);
  for (size_t i = 0; i < n; i++)
    {
      const NnTensor *t = nn_safetensors_get_tensor (st, i);
      volatile float sum = 0;
      size_t count = tensor_size (t);

      g_assert_nonnull (t->name);
      g_assert_cmpuint (t->n_dims, <=, NN_TENSOR_MAX_DIMS);
      for (size_t k = 0; k < count; k++)   /* every value must lie inside the buffer */
        sum += t->data[k];
      (void) sum;
      g_assert_true (nn_safetensors_lookup (st, t->name) != NULL);
      g_assert_true (nn_safetensors_check_shape (t, t->n_dims, t->shape, NULL));
      tensors[i] = *t;
    }
  for (size_t k = 0; k < G_N_ELEMENTS (keys); k++)
    (void) nn_safetensors_get_metadata (st, keys[k]);
  (void) nn_safetensors_lookup (st, "");

  /* Round trip: the tensors (without the metadata, which has no enumerator) write back and
   * read again with the same names, shapes and bits. */
  bytes = nn_safetensors_serialize (tensors, n, NULL, &error);
  if (bytes == NULL)
    {
      /* duplicate names are the one thing a writer may refuse that a reader took */
      g_assert_nonnull (error);
      return 0;
    }
  again = nn_safetensors_load_from_bytes (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                          &error);
  g_assert_no_error (error);
  g_assert_cmpuint (nn_safetensors_get_n_tensors (again), ==, n);
  for (size_t i = 0; i < n; i++)
    {
      const NnTensor *t = nn_safetensors_lookup (again, tensors[i].name);

      g_assert_nonnull (t);
      g_assert_cmpuint (t->n_dims, ==, tensors[i].n_dims);
      g_assert_true (memcmp (t->shape, tensors[i].shape, sizeof (size_t) * t->n_dims) == 0);
      g_assert_true (memcmp (t->data, tensors[i].data, sizeof (float) * tensor_size (t)) == 0);
    }
  return 0;
}
