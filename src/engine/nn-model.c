/* nn-model.c: model folders — PyTorch-compatible tensor names, config.json, strict loading */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "nn-model.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

#include "nn-json.h"
#include "nn-safetensors.h"

G_DEFINE_QUARK (nn-model-error-quark, nn_model_error)

#define MAX_CONFIG_BYTES (1 << 20)
#define MAX_WEIGHTS_BYTES (G_GINT64_CONSTANT (1) << 30)

NnModel *
nn_model_new (const NnSpec          *spec,
              size_t                 C,
              size_t                 H,
              size_t                 W,
              const float           *params,
              const NnNormalisation *norm,
              const char            *dataset,
              const char *const     *class_names,
              size_t                 n_threads,
              GError               **error)
{
  g_autoptr(NnModel) model = NULL;
  size_t n_names;

  g_return_val_if_fail (spec != NULL && norm != NULL && class_names != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  model = g_new0 (NnModel, 1);
  model->test_accuracy = NAN;
  model->net = nn_network_new (spec, C, H, W, MAX (n_threads, 1), error);
  if (model->net == NULL)
    return NULL;
  model->n_classes = nn_network_get_n_classes (model->net);
  n_names = g_strv_length ((char **) class_names);
  if (n_names != model->n_classes)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MISMATCH,
                   "The network has %zu outputs but %zu class names were given",
                   model->n_classes, n_names);
      return NULL;
    }
  if (!(norm->std > 0) || !isfinite (norm->mean))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_BAD_CONFIG,
                   "The normalisation statistics are invalid");
      return NULL;
    }
  if (!nn_network_reserve (model->net, MAX (n_threads, 1), error))
    return NULL;
  if (params != NULL)
    memcpy (nn_network_get_params (model->net), params,
            sizeof (float) * nn_network_get_n_params (model->net));
  model->norm = *norm;
  model->dataset = g_strdup (dataset != NULL ? dataset : "unknown");
  model->class_names = g_strdupv ((char **) class_names);
  model->C = C;
  model->H = H;
  model->W = W;
  return g_steal_pointer (&model);
}

void
nn_model_free (NnModel *model)
{
  if (model == NULL)
    return;
  nn_network_free (model->net);
  g_free (model->dataset);
  g_strfreev (model->class_names);
  g_free (model->training.optimizer);
  g_free (model);
}

void
nn_model_predict_image (NnModel     *model,
                        const float *image,
                        float       *probs)
{
  size_t n = model->C * model->H * model->W;
  g_autofree float *x = g_memdup2 (image, sizeof (float) * n);   /* (1, C, H, W) */

  nn_normalise_floats (x, n, &model->norm);
  nn_network_predict (model->net, x, 1, probs);
}

gboolean
nn_model_check_input (const NnModel *model,
                      size_t         C,
                      size_t         H,
                      size_t         W,
                      GError       **error)
{
  g_return_val_if_fail (model != NULL, FALSE);

  if (model->C == C && model->H == H && model->W == W)
    return TRUE;
  g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MISMATCH,
               "The model takes %zu×%zu×%zu inputs (channels × height × width) but these are "
               "%zu×%zu×%zu", model->C, model->H, model->W, C, H, W);
  return FALSE;
}

static char *
join_names (char **names)
{
  g_autofree char *all = g_strjoinv (", ", names);

  /* long lists are cut: the message is one line */
  if (g_utf8_strlen (all, -1) > 60)
    {
      char *cut = g_utf8_offset_to_pointer (all, 57);

      *cut = '\0';
      return g_strconcat (all, "…", NULL);
    }
  return g_steal_pointer (&all);
}

gboolean
nn_model_check_dataset (const NnModel   *model,
                        const NnDataset *ds,
                        GError         **error)
{
  g_return_val_if_fail (model != NULL && ds != NULL, FALSE);

  for (size_t i = 0; i < 2; i++)
    {
      const NnImageSet *set = i == 0 ? ds->train : ds->test;

      if (set != NULL && !nn_model_check_input (model, 1, set->rows, set->cols, error))
        {
          g_prefix_error (error, "%s does not fit this model: ", ds->name);
          return FALSE;
        }
    }
  if (ds->n_classes != model->n_classes)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MISMATCH,
                   "%s has %zu classes but the model tells %zu apart", ds->name, ds->n_classes,
                   model->n_classes);
      return FALSE;
    }
  if (ds->class_names != NULL &&
      !g_strv_equal ((const char * const *) ds->class_names,
                     (const char * const *) model->class_names))
    {
      g_autofree char *theirs = join_names (ds->class_names);
      g_autofree char *ours = join_names (model->class_names);

      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MISMATCH,
                   "%s has other classes (%s) than the model, which was trained on %s (%s)",
                   ds->name, theirs, model->dataset, ours);
      return FALSE;
    }
  return TRUE;
}

/* Tensor names follow PyTorch's nn.Sequential over the same layer list ("0.weight", …). */
static char *
tensor_name (size_t      layer,
             const char *what)
{
  return g_strdup_printf ("%zu.%s", layer, what);
}

static void
json_double (GString *s,
             double   v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isfinite (v))
    g_string_append (s, g_ascii_formatd (buf, sizeof buf, "%.9g", v));
  else
    g_string_append (s, "null");
}

char *
nn_model_config_to_json (const NnModel *model)
{
  GString *s = g_string_new ("{\n");
  const NnSpec *spec = nn_network_get_spec (model->net);
  g_autofree char *spec_text = nn_spec_to_string (spec);

  g_string_append (s, "  \"model_type\": \"digit-lab-cnn\",\n");
  g_string_append_printf (s, "  \"format_version\": %d,\n", NN_MODEL_FORMAT_VERSION);
  g_string_append (s, "  \"engine_version\": ");
  nn_json_append_string (s, PACKAGE_VERSION);
  g_string_append (s, ",\n  \"architecture\": ");
  nn_json_append_string (s, spec_text);
  g_string_append_printf (s, ",\n  \"input_shape\": [%zu, %zu, %zu],\n", model->C, model->H,
                          model->W);
  g_string_append_printf (s, "  \"num_classes\": %zu,\n  \"class_names\": [", model->n_classes);
  for (size_t k = 0; k < model->n_classes; k++)
    {
      if (k > 0)
        g_string_append (s, ", ");
      nn_json_append_string (s, model->class_names[k]);
    }
  g_string_append (s, "],\n  \"normalization\": {\"mean\": ");
  json_double (s, model->norm.mean);
  g_string_append (s, ", \"std\": ");
  json_double (s, model->norm.std);
  g_string_append (s, "},\n  \"dataset\": ");
  nn_json_append_string (s, model->dataset);
  g_string_append (s, ",\n  \"layers\": [");
  for (size_t i = 0; i < spec->n_layers; i++)
    {
      const NnLayer *l = nn_network_get_layer (model->net, i);

      g_string_append (s, i > 0 ? ",\n    " : "\n    ");
      switch (l->spec.kind)
        {
        case NN_LAYER_CONV2D:
          g_string_append_printf (s, "{\"type\": \"conv2d\", \"in_channels\": %zu, "
                                  "\"out_channels\": %zu, \"kernel_size\": %zu, \"padding\": %zu}",
                                  l->in_c, l->out_c, l->spec.kernel, l->spec.pad);
          break;
        case NN_LAYER_DENSE:
          g_string_append_printf (s, "{\"type\": \"linear\", \"in_features\": %zu, "
                                  "\"out_features\": %zu}", l->in_c, l->out_c);
          break;
        case NN_LAYER_MAXPOOL:
          g_string_append_printf (s, "{\"type\": \"maxpool2d\", \"kernel_size\": %zu}",
                                  l->spec.pool);
          break;
        case NN_LAYER_DROPOUT:
          g_string_append (s, "{\"type\": \"dropout\", \"p\": ");
          json_double (s, l->spec.p);
          g_string_append (s, "}");
          break;
        case NN_LAYER_RELU:
        case NN_LAYER_FLATTEN:
        default:
          g_string_append_printf (s, "{\"type\": \"%s\"}", nn_layer_kind_to_string (l->spec.kind));
          break;
        }
    }
  g_string_append (s, "\n  ]");
  if (isfinite (model->test_accuracy))
    {
      g_string_append (s, ",\n  \"test_accuracy\": ");
      json_double (s, model->test_accuracy);
    }
  if (model->training.known)
    {
      const NnModelTraining *t = &model->training;

      g_string_append_printf (s, ",\n  \"training\": {\"epochs\": %u, \"best_epoch\": %u, "
                              "\"batch_size\": %u, \"optimizer\": ", t->epochs, t->best_epoch,
                              t->batch_size);
      nn_json_append_string (s, t->optimizer != NULL ? t->optimizer : "");
      g_string_append (s, ", \"learning_rate\": ");
      json_double (s, t->learning_rate);
      g_string_append (s, ", \"rotation_degrees\": ");
      json_double (s, t->rotation_degrees);
      g_string_append_printf (s, ", \"validation_size\": %u, \"seed\": %" G_GUINT64_FORMAT
                              ", \"train_images\": %u}", t->validation_size, t->seed, t->n_train);
    }
  g_string_append (s, "\n}\n");
  return g_string_free (s, FALSE);
}

gboolean
nn_model_save (const NnModel  *model,
               const char     *dir,
               GError        **error)
{
  const NnSpec *spec;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree NnTensor *tensors = NULL;
  g_autofree char *config = NULL;
  g_autofree char *weights_path = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *spec_text = NULL;
  /* the configuration travels inside the weights too, so that the file alone is a model (a
   * sandboxed app handed one file by a file manager sees nothing beside it) */
  const char *metadata[] = { "format", "pt", "architecture", NULL, "producer", "Digit Lab",
                             NN_MODEL_CONFIG_METADATA, NULL, NULL };
  float *params;
  size_t n = 0;

  g_return_val_if_fail (model != NULL && dir != NULL, FALSE);

  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int saved = errno;

      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_IO, "Cannot create the folder %s: %s",
                   dir, g_strerror (saved));
      return FALSE;
    }

  spec = nn_network_get_spec (model->net);
  spec_text = nn_spec_to_string (spec);
  metadata[3] = spec_text;
  params = nn_network_get_params (model->net);
  tensors = g_new0 (NnTensor, 2 * spec->n_layers);
  for (size_t i = 0; i < spec->n_layers; i++)
    {
      const NnLayer *l = nn_network_get_layer (model->net, i);
      char *wname, *bname;

      if (l->n_weight == 0)
        continue;
      wname = tensor_name (i, "weight");
      bname = tensor_name (i, "bias");
      g_ptr_array_add (names, wname);
      g_ptr_array_add (names, bname);
      tensors[n] = (NnTensor) { .name = wname, .data = params + l->weight_offset };
      if (l->spec.kind == NN_LAYER_CONV2D)
        {
          tensors[n].n_dims = 4;
          tensors[n].shape[0] = l->out_c;
          tensors[n].shape[1] = l->in_c;
          tensors[n].shape[2] = l->spec.kernel;
          tensors[n].shape[3] = l->spec.kernel;
        }
      else
        {
          tensors[n].n_dims = 2;
          tensors[n].shape[0] = l->out_c;
          tensors[n].shape[1] = l->in_c;
        }
      n++;
      tensors[n++] = (NnTensor) { .name = bname, .n_dims = 1, .shape = { l->n_bias },
                                  .data = params + l->bias_offset };
    }

  weights_path = g_build_filename (dir, NN_MODEL_WEIGHTS_FILE, NULL);
  config_path = g_build_filename (dir, NN_MODEL_CONFIG_FILE, NULL);
  config = nn_model_config_to_json (model);
  metadata[7] = config;
  if (!nn_safetensors_save (weights_path, tensors, n, metadata, error))
    return FALSE;
  return g_file_set_contents_full (config_path, config, -1, G_FILE_SET_CONTENTS_CONSISTENT,
                                   0644, error);
}

static gboolean
bad_config (GError    **error,
            const char *what)
{
  g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_BAD_CONFIG, "config.json: %s", what);
  return FALSE;
}

/* For errors from the JSON and spec readers, which do not know the file they read. */
static gboolean
in_config (GError **error)
{
  g_prefix_error (error, "config.json: ");
  return FALSE;
}

/* A model from its configuration and its already parsed weights. */
static NnModel *
model_from_tensors (const char          *config_json,
                    size_t               config_length,
                    const NnSafetensors *st,
                    size_t               n_threads,
                    GError             **error)
{
  g_autoptr(NnJsonNode) root = NULL;
  g_autoptr(NnSpec) spec = NULL;
  g_autoptr(NnModel) model = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const NnJsonNode *node, *shape, *classes, *norm_node;
  const char *arch, *dataset = NULL;
  NnNormalisation norm;
  size_t dims[3];
  gint64 version;
  float *params;

  if (config_length > MAX_CONFIG_BYTES)
    return bad_config (error, "the file is too large"), NULL;
  root = nn_json_parse (config_json, config_length, error);
  if (root == NULL)
    return in_config (error), NULL;
  if (nn_json_node_get_kind (root) != NN_JSON_OBJECT)
    return bad_config (error, "not a JSON object"), NULL;
  if (!nn_json_object_get_int_member (root, "format_version", &version, error))
    return in_config (error), NULL;
  if (version != NN_MODEL_FORMAT_VERSION)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_BAD_CONFIG,
                   "config.json: format version %" G_GINT64_FORMAT " is not supported "
                   "(this version reads %d)", version, NN_MODEL_FORMAT_VERSION);
      return NULL;
    }
  if (!nn_json_object_get_string_member (root, "architecture", &arch, error))
    return in_config (error), NULL;
  spec = nn_spec_parse (arch, error);
  if (spec == NULL)
    return in_config (error), NULL;

  shape = nn_json_object_get (root, "input_shape");
  if (shape == NULL || nn_json_node_get_kind (shape) != NN_JSON_ARRAY ||
      nn_json_array_get_length (shape) != 3)
    return bad_config (error, "“input_shape” must be [channels, height, width]"), NULL;
  for (size_t i = 0; i < 3; i++)
    {
      node = nn_json_array_get_element (shape, i);
      if (nn_json_node_get_kind (node) != NN_JSON_NUMBER ||
          !(nn_json_node_get_number (node) >= 1 && nn_json_node_get_number (node) <= 4096) ||
          nn_json_node_get_number (node) != (double) (size_t) nn_json_node_get_number (node))
        return bad_config (error, "“input_shape” holds an invalid size"), NULL;
      dims[i] = (size_t) nn_json_node_get_number (node);
    }

  norm_node = nn_json_object_get (root, "normalization");
  {
    double mean, std;

    if (norm_node == NULL || nn_json_node_get_kind (norm_node) != NN_JSON_OBJECT)
      return bad_config (error, "“normalization” is missing"), NULL;
    if (!nn_json_object_get_double_member (norm_node, "mean", &mean, error) ||
        !nn_json_object_get_double_member (norm_node, "std", &std, error))
      return in_config (error), NULL;
    norm.mean = (float) mean;
    norm.std = (float) std;
  }

  classes = nn_json_object_get (root, "class_names");
  if (classes == NULL || nn_json_node_get_kind (classes) != NN_JSON_ARRAY ||
      nn_json_array_get_length (classes) > 256)
    return bad_config (error, "“class_names” must be a list of names"), NULL;
  for (size_t k = 0; k < nn_json_array_get_length (classes); k++)
    {
      node = nn_json_array_get_element (classes, k);
      if (nn_json_node_get_kind (node) != NN_JSON_STRING)
        return bad_config (error, "“class_names” must hold strings"), NULL;
      g_ptr_array_add (names, g_strdup (nn_json_node_get_string (node)));
    }
  g_ptr_array_add (names, NULL);
  node = nn_json_object_get (root, "dataset");
  if (node != NULL && nn_json_node_get_kind (node) == NN_JSON_STRING)
    dataset = nn_json_node_get_string (node);

  model = nn_model_new (spec, dims[0], dims[1], dims[2], NULL, &norm, dataset,
                        (const char *const *) names->pdata, n_threads, error);
  if (model == NULL)
    return NULL;
  node = nn_json_object_get (root, "test_accuracy");
  if (node != NULL && nn_json_node_get_kind (node) == NN_JSON_NUMBER)
    model->test_accuracy = nn_json_node_get_number (node);
  node = nn_json_object_get (root, "training");
  if (node != NULL && nn_json_node_get_kind (node) == NN_JSON_OBJECT)
    {
      NnModelTraining *t = &model->training;
      gint64 v[6] = { 0 };
      const char *opt_name = NULL;

      if (nn_json_object_get_int_member (node, "epochs", &v[0], NULL) &&
          nn_json_object_get_int_member (node, "best_epoch", &v[1], NULL) &&
          nn_json_object_get_int_member (node, "batch_size", &v[2], NULL) &&
          nn_json_object_get_int_member (node, "validation_size", &v[3], NULL) &&
          nn_json_object_get_int_member (node, "seed", &v[4], NULL) &&
          nn_json_object_get_int_member (node, "train_images", &v[5], NULL) &&
          nn_json_object_get_string_member (node, "optimizer", &opt_name, NULL) &&
          nn_json_object_get_double_member (node, "learning_rate", &t->learning_rate, NULL) &&
          nn_json_object_get_double_member (node, "rotation_degrees", &t->rotation_degrees, NULL))
        {
          t->known = TRUE;
          t->epochs = (guint) CLAMP (v[0], 0, G_MAXUINT);
          t->best_epoch = (guint) CLAMP (v[1], 0, G_MAXUINT);
          t->batch_size = (guint) CLAMP (v[2], 0, G_MAXUINT);
          t->validation_size = (guint) CLAMP (v[3], 0, G_MAXUINT);
          t->seed = (guint64) v[4];
          t->n_train = (guint) CLAMP (v[5], 0, G_MAXUINT);
          t->optimizer = g_strdup (opt_name);
        }
    }

  params = nn_network_get_params (model->net);
  {
    size_t n_expected = 0;

    for (size_t i = 0; i < spec->n_layers; i++)
      {
        const NnLayer *l = nn_network_get_layer (model->net, i);
        g_autofree char *wname = NULL, *bname = NULL;
        const NnTensor *w, *b;
        size_t wshape[4] = { l->out_c, l->in_c, l->spec.kernel, l->spec.kernel };

        if (l->n_weight == 0)
          continue;
        wname = tensor_name (i, "weight");
        bname = tensor_name (i, "bias");
        w = nn_safetensors_lookup (st, wname);
        b = nn_safetensors_lookup (st, bname);
        if (w == NULL || b == NULL)
          {
            g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MISMATCH,
                         "model.safetensors has no tensor “%s” for layer %zu (%s)",
                         w == NULL ? wname : bname, i + 1, nn_layer_kind_to_string (l->spec.kind));
            return NULL;
          }
        if (!nn_safetensors_check_shape (w, l->spec.kind == NN_LAYER_CONV2D ? 4 : 2, wshape, error) ||
            !nn_safetensors_check_shape (b, 1, &l->n_bias, error))
          return NULL;
        memcpy (params + l->weight_offset, w->data, sizeof (float) * l->n_weight);
        memcpy (params + l->bias_offset, b->data, sizeof (float) * l->n_bias);
        n_expected += 2;
      }
    if (nn_safetensors_get_n_tensors (st) != n_expected)
      {
        g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MISMATCH,
                     "model.safetensors holds %zu tensors but the architecture in config.json "
                     "has %zu", nn_safetensors_get_n_tensors (st), n_expected);
        return NULL;
      }
  }
  for (size_t k = 0; k < nn_network_get_n_params (model->net); k++)
    if (!isfinite (params[k]))
      {
        g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MISMATCH,
                     "model.safetensors holds weights that are not finite numbers");
        return NULL;
      }
  return g_steal_pointer (&model);
}

NnModel *
nn_model_load_from_data (const char    *config_json,
                         size_t         config_length,
                         const guint8  *weights,
                         size_t         weights_length,
                         size_t         n_threads,
                         GError       **error)
{
  g_autoptr(NnSafetensors) st = NULL;

  g_return_val_if_fail (config_json != NULL && weights != NULL, NULL);

  st = nn_safetensors_load_from_bytes (weights, weights_length, error);
  if (st == NULL)
    {
      g_prefix_error (error, "%s: ", NN_MODEL_WEIGHTS_FILE);
      return NULL;
    }
  return model_from_tensors (config_json, config_length, st, n_threads, error);
}

/* A .safetensors file that carries its configuration in its metadata. */
static NnModel *
load_single_file (const char  *path,
                  size_t       n_threads,
                  GError     **error)
{
  g_autoptr(NnSafetensors) st = NULL;
  GStatBuf info;
  const char *config;
  NnModel *model;

  /* a model's bound, tighter than what safetensors files may hold */
  if (g_stat (path, &info) != 0 || info.st_size > MAX_WEIGHTS_BYTES)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_IO, "%s is unreadable or too large",
                   path);
      return NULL;
    }
  st = nn_safetensors_load (path, error);
  if (st == NULL)
    return NULL;
  config = nn_safetensors_get_metadata (st, NN_MODEL_CONFIG_METADATA);
  if (config == NULL)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_IO,
                   "%s is not a Digit Lab model: it carries no configuration, and there is no "
                   "%s beside it", path, NN_MODEL_CONFIG_FILE);
      return NULL;
    }
  model = model_from_tensors (config, strlen (config), st, n_threads, error);
  if (model == NULL)
    g_prefix_error (error, "%s: ", path);
  return model;
}

NnModel *
nn_model_load (const char  *path,
               size_t       n_threads,
               GError     **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *weights_path = NULL;
  g_autofree char *config = NULL;
  g_autofree char *weights = NULL;
  gsize config_length, weights_length;
  NnModel *model;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_IO, "%s does not exist", path);
      return NULL;
    }
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    dir = g_strdup (path);
  else
    dir = g_path_get_dirname (path);
  config_path = g_build_filename (dir, NN_MODEL_CONFIG_FILE, NULL);
  weights_path = g_build_filename (dir, NN_MODEL_WEIGHTS_FILE, NULL);

  /* A folder's config.json stands for the folder. A weights file on its own, or under another
   * name: its embedded configuration. */
  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *base = g_path_get_basename (path);

      if (g_strcmp0 (base, NN_MODEL_CONFIG_FILE) != 0 &&
          (g_strcmp0 (base, NN_MODEL_WEIGHTS_FILE) != 0 ||
           !g_file_test (config_path, G_FILE_TEST_IS_REGULAR)))
        return load_single_file (path, n_threads, error);
    }

  if (!g_file_test (config_path, G_FILE_TEST_IS_REGULAR) ||
      !g_file_test (weights_path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_IO,
                   "%s is not a model: it needs %s and %s side by side", path,
                   NN_MODEL_WEIGHTS_FILE, NN_MODEL_CONFIG_FILE);
      return NULL;
    }
  {
    GStatBuf st_config, st_weights;

    if (g_stat (config_path, &st_config) != 0 || g_stat (weights_path, &st_weights) != 0 ||
        st_config.st_size > MAX_CONFIG_BYTES || st_weights.st_size > MAX_WEIGHTS_BYTES)
      {
        g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_IO,
                     "%s: the model files are unreadable or too large", path);
        return NULL;
      }
  }
  if (!g_file_get_contents (config_path, &config, &config_length, error) ||
      !g_file_get_contents (weights_path, &weights, &weights_length, error))
    return NULL;
  model = nn_model_load_from_data (config, config_length, (const guint8 *) weights,
                                   weights_length, n_threads, error);
  /* the folder, so that a message about its config.json or weights says which model */
  if (model == NULL)
    g_prefix_error (error, "%s: ", dir);
  return model;
}
