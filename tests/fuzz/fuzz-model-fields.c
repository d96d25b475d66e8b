/* fuzz-model-fields.c: models built from fuzzed fields — an architecture, an input shape, classes
 * and normalisation written as config.json with weights of the right shapes, loaded, written
 * back, loaded again and run */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "fuzz-common.h"

#include <math.h>

#include "nn-json.h"
#include "nn-model.h"
#include "nn-safetensors.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_init_glib ();
  return 0;
}

/* Mostly small sizes, sometimes any up to max: big ones probe the allocation limits. */
static size_t
fuzz_size (FuzzCursor *c,
           size_t      small,
           size_t      max)
{
  return fuzz_u64 (c, 0, 7) == 0 ? (size_t) fuzz_u64 (c, 1, max) : (size_t) fuzz_u64 (c, 1, small);
}

static void
append_layer (GString    *spec,
              FuzzCursor *c)
{
  if (spec->len > 0)
    g_string_append_c (spec, ' ');
  switch (fuzz_u64 (c, 0, 6))
    {
    case 0:
    case 1:
      {
        size_t channels = fuzz_size (c, 8, 1 << 16), k = fuzz_size (c, 5, 1 << 12);
        size_t pad = fuzz_bool (c) ? fuzz_size (c, 2, 1 << 12) : 0;

        g_string_append_printf (spec, "conv(%zu,%zu", channels, k);
        if (pad > 0)
          g_string_append_printf (spec, ",pad=%zu", pad);
        g_string_append_c (spec, ')');
      }
      break;
    case 2:
      g_string_append (spec, "relu");
      break;
    case 3:
      g_string_append_printf (spec, "maxpool(%zu)", fuzz_size (c, 3, 1 << 12));
      break;
    case 4:
      g_string_append (spec, "flatten");
      break;
    case 5:
      g_string_append_printf (spec, "dense(%zu)", fuzz_size (c, 32, (size_t) 1 << 32));
      break;
    default:
      g_string_append_printf (spec, "dropout(%g)", (double) fuzz_u64 (c, 0, 100) / 100);
      break;
    }
}

/* The model's weights under the names the loader looks for, "<layer>.weight"/"<layer>.bias". */
static GBytes *
serialize_weights (NnModel *model)
{
  size_t n_layers = nn_network_get_n_layers (model->net);
  g_autofree NnTensor *tensors = g_new0 (NnTensor, 2 * n_layers + 1);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  float *params = nn_network_get_params (model->net);
  size_t n = 0;
  g_autoptr(GError) error = NULL;
  GBytes *bytes;

  for (size_t i = 0; i < n_layers; i++)
    {
      const NnLayer *l = nn_network_get_layer (model->net, i);
      NnTensor *w = &tensors[n], *b = &tensors[n + 1];

      if (l->n_weight == 0)
        continue;
      w->name = g_strdup_printf ("%zu.weight", i);
      b->name = g_strdup_printf ("%zu.bias", i);
      g_ptr_array_add (names, w->name);
      g_ptr_array_add (names, b->name);
      if (l->spec.kind == NN_LAYER_CONV2D)
        {
          w->n_dims = 4;
          w->shape[0] = l->out_c;
          w->shape[1] = l->in_c;
          w->shape[2] = w->shape[3] = l->spec.kernel;
        }
      else
        {
          w->n_dims = 2;
          w->shape[0] = l->out_c;
          w->shape[1] = l->in_c;
        }
      w->data = params + l->weight_offset;
      b->n_dims = 1;
      b->shape[0] = l->n_bias;
      b->data = params + l->bias_offset;
      n += 2;
    }
  bytes = nn_safetensors_serialize (tensors, n, NULL, &error);
  g_assert_no_error (error);
  return bytes;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  FuzzCursor c = { data, size };
  g_autoptr(GString) spec = g_string_new (NULL);
  g_autoptr(GString) config = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(NnModel) model = NULL;
  g_autoptr(NnModel) again = NULL;
  g_autoptr(GBytes) weights = NULL;
  g_autofree char *json = NULL;
  g_autofree float *image = NULL;
  g_autofree float *probs = NULL;
  size_t n_layers = fuzz_u64 (&c, 1, 10), C, H, W, n_classes, n;
  double mean, std;
  static const guint8 empty_weights[] = { 2, 0, 0, 0, 0, 0, 0, 0, '{', '}' };

  for (size_t i = 0; i < n_layers; i++)
    append_layer (spec, &c);
  if (fuzz_bool (&c))   /* most real models end in the classifier */
    g_string_append_printf (spec, " flatten dense(%zu)", (size_t) fuzz_u64 (&c, 1, 12));
  C = fuzz_size (&c, 3, 4096);
  H = fuzz_size (&c, 32, 4096);
  W = fuzz_size (&c, 32, 4096);
  n_classes = fuzz_size (&c, 12, 300);
  mean = (double) fuzz_u64 (&c, 0, 1000) / 1000;
  std = fuzz_bool (&c) ? (double) fuzz_u64 (&c, 1, 1000) / 1000 : -1.0;

  g_string_append (config, "{\"format_version\": 1, \"architecture\": ");
  nn_json_append_string (config, spec->str);
  g_string_append_printf (config, ", \"input_shape\": [%zu, %zu, %zu], \"class_names\": [",
                          C, H, W);
  for (size_t k = 0; k < n_classes; k++)
    g_string_append_printf (config, "%s\"%zu\"", k > 0 ? ", " : "", k);
  g_string_append (config, "], \"normalization\": {\"mean\": ");
  nn_json_append_double (config, mean);
  g_string_append (config, ", \"std\": ");
  nn_json_append_double (config, std);
  g_string_append (config, "}, \"dataset\": \"fuzz\"}");

  if (g_getenv ("FUZZ_VERBOSE") != NULL)   /* to read a reproducer */
    g_printerr ("config.json: %s\n", config->str);

  /* No weights: the loader allocates the network, then finds the tensors missing. */
  model = nn_model_load_from_data (config->str, config->len, empty_weights,
                                   sizeof empty_weights, 1, &error);
  if (model == NULL)
    {
      g_assert_nonnull (error);
      g_clear_error (&error);
    }
  g_clear_pointer (&model, nn_model_free);

  /* The same model with weights of the right shapes: it loads, writes back and loads again. */
  {
    g_autoptr(NnSpec) parsed = nn_spec_parse (spec->str, NULL);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
    NnNormalisation norm = { (float) mean, (float) std };

    if (parsed == NULL)
      return 0;
    for (size_t k = 0; k < n_classes; k++)
      g_ptr_array_add (names, g_strdup_printf ("%zu", k));
    g_ptr_array_add (names, NULL);
    model = nn_model_new (parsed, C, H, W, NULL, &norm, "fuzz",
                          (const char *const *) names->pdata, 1, NULL);
  }
  if (model == NULL)
    return 0;
  /* Writing and reading back hundreds of megabytes of weights would take the fuzzer seconds an
   * input; the loader's checks on such sizes are reached above. */
  if (nn_network_get_n_params (model->net) > (1 << 22))
    return 0;
  {
    float *params = nn_network_get_params (model->net);

    for (size_t i = 0; i < nn_network_get_n_params (model->net); i++)
      params[i] = (float) ((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
  }
  weights = serialize_weights (model);
  json = nn_model_config_to_json (model);
  again = nn_model_load_from_data (json, strlen (json), g_bytes_get_data (weights, NULL),
                                   g_bytes_get_size (weights), 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again->n_classes, ==, model->n_classes);
  g_assert_cmpuint (nn_network_get_n_params (again->net), ==, nn_network_get_n_params (model->net));
  g_assert_true (memcmp (nn_network_get_params (again->net), nn_network_get_params (model->net),
                         sizeof (float) * nn_network_get_n_params (model->net)) == 0);

  n = C * H * W;
  if (n > 1 << 20 || nn_network_get_flops_per_sample (again->net) > 1e8)
    return 0;   /* a prediction would take too long for a fuzzer's pace */
  image = g_new (float, n);
  for (size_t i = 0; i < n; i++)
    image[i] = (float) fuzz_u64 (&c, 0, 255) / 255.0f;
  probs = g_new0 (float, again->n_classes);
  nn_model_predict_image (again, image, probs);
  {
    double sum = 0;

    for (size_t k = 0; k < again->n_classes; k++)
      {
        g_assert_true (isfinite (probs[k]) && probs[k] >= 0.0f);
        sum += probs[k];
      }
    g_assert_cmpfloat (fabs (sum - 1.0), <, 1e-3);
  }
  return 0;
}
