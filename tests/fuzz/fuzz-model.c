/* fuzz-model.c: the model loader on a config.json and a model.safetensors, through to the
 * network's allocation and a prediction */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "fuzz-common.h"

#include <math.h>

#include "nn-model.h"

/* Input: config.json, a NUL byte, then model.safetensors. Without the NUL (or with nothing after
 * it) the weights are an empty safetensors file, so that a mutated config still reaches
 * nn_model_new and the network's allocation before the weights are compared with it; the seeds
 * in corpus/model are real models, whose weights carry the fuzzer into the copy and predict. */
static const guint8 empty_weights[] = { 2, 0, 0, 0, 0, 0, 0, 0, '{', '}' };

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_init_glib ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const uint8_t *nul = memchr (data, '\0', size);
  size_t config_length = nul != NULL ? (size_t) (nul - data) : size;
  const guint8 *weights = nul != NULL ? nul + 1 : NULL;
  size_t weights_length = nul != NULL ? size - config_length - 1 : 0;
  /* each part in a buffer of its own size, so that ASan sees any read past its end */
  g_autofree char *config = g_malloc (MAX (config_length, 1));
  g_autofree guint8 *weights_copy = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(NnModel) model = NULL;
  g_autofree char *json = NULL;
  g_autofree float *image = NULL;
  g_autofree float *probs = NULL;
  size_t n;
  double sum = 0;

  memcpy (config, data, config_length);
  if (weights_length == 0)
    {
      weights = empty_weights;
      weights_length = sizeof empty_weights;
    }
  weights_copy = g_memdup2 (weights, weights_length);
  model = nn_model_load_from_data (config, config_length, weights_copy,
                                   weights_length, 1, &error);
  if (model == NULL)
    {
      g_assert_nonnull (error);
      if (g_getenv ("FUZZ_VERBOSE") != NULL)   /* to read a reproducer */
        g_printerr ("%s\n", error->message);
      return 0;
    }
  g_assert_no_error (error);
  g_assert_true (nn_model_check_input (model, model->C, model->H, model->W, NULL));
  g_assert_cmpuint (g_strv_length (model->class_names), ==, model->n_classes);

  /* what it would write back */
  json = nn_model_config_to_json (model);
  g_assert_nonnull (json);

  /* A prediction on a mid-grey picture: probabilities, unless the weights themselves are not
   * finite numbers (a file may hold any float). */
  n = model->C * model->H * model->W;
  image = g_new (float, n);
  for (size_t i = 0; i < n; i++)
    image[i] = 0.5f;
  probs = g_new0 (float, model->n_classes);
  nn_model_predict_image (model, image, probs);
  for (size_t k = 0; k < model->n_classes; k++)
    sum += probs[k];
  (void) sum;
  return 0;
}
