/* nn-model.c: model folders — PyTorch-compatible tensor names, config.json, strict loading */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "nn-model.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "nn-file.h"
#include "nn-json.h"
#include "nn-safetensors.h"

G_DEFINE_QUARK (nn-model-error-quark, nn_model_error)

#define MAX_CLASS_NAME_BYTES 256
#define MAX_DATASET_NAME_BYTES 256

/* Pixels are in [0, 1]: their mean is too, and a standard deviation outside [1e-6, 1] is no
 * statistic of such images (1e-45 would turn every pixel into an infinity). */
static gboolean
check_normalisation (double   mean,
                     double   std,
                     GError **error)
{
  if (!(mean >= 0 && mean <= 1))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_BAD_CONFIG,
                   "The normalisation mean must be a number from 0 to 1, not %g", mean);
      return FALSE;
    }
  if (!(std >= NN_MODEL_MIN_STD && std <= NN_MODEL_MAX_STD))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_BAD_CONFIG,
                   "The normalisation standard deviation must be a number from %g to %g, not %g",
                   NN_MODEL_MIN_STD, NN_MODEL_MAX_STD, std);
      return FALSE;
    }
  return TRUE;
}

/* Class names are shown to people and compared with a dataset's: each one present, short and
 * different from the others. */
static gboolean
check_class_names (const char *const *names,
                   GError           **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (size_t k = 0; names[k] != NULL; k++)
    {
      if (names[k][0] == '\0' || strlen (names[k]) > MAX_CLASS_NAME_BYTES)
        {
          g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_BAD_CONFIG,
                       "Class %zu has an empty or too long name (at most %d bytes)", k,
                       MAX_CLASS_NAME_BYTES);
          return FALSE;
        }
      if (!g_hash_table_add (seen, (gpointer) names[k]))
        {
          g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_BAD_CONFIG,
                       "Two classes are named “%s”", names[k]);
          return FALSE;
        }
    }
  return TRUE;
}

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

  /* the cheap checks first, then the network's shapes, and only then its memory */
  if (!check_normalisation (norm->mean, norm->std, error) ||
      !check_class_names (class_names, error))
    return NULL;
  {
    g_autofree NnLayer *plan = NULL;
    size_t n_params;

    plan = nn_network_plan (spec, C, H, W, &n_params, error);
    if (plan == NULL)
      return NULL;
    n_names = g_strv_length ((char **) class_names);
    if (n_names != plan[spec->n_layers - 1].out_c)
      {
        g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MISMATCH,
                     "The network has %zu outputs but %zu class names were given",
                     plan[spec->n_layers - 1].out_c, n_names);
        return NULL;
      }
  }
  model = g_new0 (NnModel, 1);
  g_atomic_ref_count_init (&model->ref_count);
  model->test_accuracy = NAN;
  model->net = nn_network_new (spec, C, H, W, MAX (n_threads, 1), error);
  if (model->net == NULL)
    return NULL;
  model->n_classes = nn_network_get_n_classes (model->net);
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

NnModel *
nn_model_ref (NnModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);

  g_atomic_ref_count_inc (&model->ref_count);
  return model;
}

void
nn_model_free (NnModel *model)
{
  nn_model_unref (model);
}

NnModel *
nn_model_copy (const NnModel  *model,
               size_t          n_threads,
               GError        **error)
{
  NnModel *copy;

  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  copy = nn_model_new (nn_network_get_spec (model->net), model->C, model->H, model->W,
                       nn_network_get_params (model->net), &model->norm, model->dataset,
                       (const char *const *) model->class_names, n_threads, error);
  if (copy == NULL)
    return NULL;
  copy->training = model->training;
  copy->training.optimizer = g_strdup (model->training.optimizer);
  copy->training.hardware = g_strdup (model->training.hardware);
  copy->training.engine_version = g_strdup (model->training.engine_version);
  copy->test_accuracy = model->test_accuracy;
  return copy;
}

void
nn_model_unref (NnModel *model)
{
  if (model == NULL || !g_atomic_ref_count_dec (&model->ref_count))
    return;
  nn_network_free (model->net);
  g_free (model->dataset);
  g_strfreev (model->class_names);
  g_free (model->training.optimizer);
  g_free (model->training.hardware);
  g_free (model->training.engine_version);
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

/* A layer's buffers in model files: n names (klass->buffer_names), each n_buffer / n values. */
static size_t
n_buffer_tensors (const NnLayer *l)
{
  const char *const *names = nn_layer_class (l->spec.kind)->buffer_names;
  size_t n = 0;

  while (l->n_buffer > 0 && names != NULL && names[n] != NULL)
    n++;
  return n;
}

/* What a run measured rather than chose: how long training took and on what. config.json keeps
 * them (the model card shows them); the copy inside the weights leaves them out, so that the
 * same recipe, seed and data give the same model.safetensors, byte for byte, on every run. */
static gboolean
is_measurement (const char *key)
{
  return strcmp (key, "training_seconds") == 0 || strcmp (key, "hardware") == 0;
}

static char *config_to_json (const NnModel *model, gboolean with_measurements);

char *
nn_model_config_to_json (const NnModel *model)
{
  return config_to_json (model, TRUE);
}

static char *
config_to_json (const NnModel *model,
                gboolean       with_measurements)
{
  GString *s = g_string_new (NULL);
  const NnSpec *spec = nn_network_get_spec (model->net);
  g_autofree char *spec_text = nn_spec_to_string (spec);
  NnJsonWriter w;

  nn_json_writer_init (&w, s, FALSE);
  nn_json_write_begin_object (&w, NN_JSON_LINES);
  nn_json_write_key (&w, "model_type");
  nn_json_write_string (&w, "digit-lab-cnn");
  nn_json_write_key (&w, "format_version");
  nn_json_write_int (&w, NN_MODEL_FORMAT_VERSION);
  nn_json_write_key (&w, "engine_version");
  nn_json_write_string (&w, PACKAGE_VERSION);
  nn_json_write_key (&w, "architecture");
  nn_json_write_string (&w, spec_text);
  nn_json_write_key (&w, "input_shape");
  nn_json_write_begin_array (&w, NN_JSON_INLINE);
  nn_json_write_uint (&w, model->C);
  nn_json_write_uint (&w, model->H);
  nn_json_write_uint (&w, model->W);
  nn_json_write_end_array (&w);
  nn_json_write_key (&w, "num_classes");
  nn_json_write_uint (&w, model->n_classes);
  nn_json_write_key (&w, "class_names");
  nn_json_write_begin_array (&w, NN_JSON_INLINE);
  for (size_t k = 0; k < model->n_classes; k++)
    nn_json_write_string (&w, model->class_names[k]);
  nn_json_write_end_array (&w);
  nn_json_write_key (&w, "normalization");
  nn_json_write_begin_object (&w, NN_JSON_INLINE);
  nn_json_write_key (&w, "mean");
  nn_json_write_number_fmt (&w, "%.9g", model->norm.mean);
  nn_json_write_key (&w, "std");
  nn_json_write_number_fmt (&w, "%.9g", model->norm.std);
  nn_json_write_end_object (&w);
  nn_json_write_key (&w, "dataset");
  nn_json_write_string (&w, model->dataset);
  nn_json_write_key (&w, "layers");
  nn_json_write_begin_array (&w, NN_JSON_LINES);
  for (size_t i = 0; i < spec->n_layers; i++)
    {
      const NnLayer *l = nn_network_get_layer (model->net, i);
      const NnLayerClass *klass = nn_layer_class (l->spec.kind);

      if (klass->write_config != NULL)
        {
          klass->write_config (l, &w);
          continue;
        }
      nn_json_write_begin_object (&w, NN_JSON_INLINE);
      nn_json_write_key (&w, "type");
      nn_json_write_string (&w, klass->name);
      nn_json_write_end_object (&w);
    }
  nn_json_write_end_array (&w);
  if (isfinite (model->test_accuracy))
    {
      nn_json_write_key (&w, "test_accuracy");
      nn_json_write_number_fmt (&w, "%.9g", model->test_accuracy);
    }
  if (model->training.known)
    {
      const NnModelTraining *t = &model->training;

      nn_json_write_key (&w, "training");
      nn_json_write_begin_object (&w, NN_JSON_INLINE);
      nn_json_write_key (&w, "epochs");
      nn_json_write_uint (&w, t->epochs);
      nn_json_write_key (&w, "best_epoch");
      nn_json_write_uint (&w, t->best_epoch);
      nn_json_write_key (&w, "batch_size");
      nn_json_write_uint (&w, t->batch_size);
      nn_json_write_key (&w, "optimizer");
      nn_json_write_string (&w, t->optimizer != NULL ? t->optimizer : "");
      nn_json_write_key (&w, "learning_rate");
      nn_json_write_number_fmt (&w, "%.9g", t->learning_rate);
      nn_json_write_key (&w, "rotation_degrees");
      nn_json_write_number_fmt (&w, "%.9g", t->rotation_degrees);
      if (t->weight_decay > 0)
        {
          nn_json_write_key (&w, "weight_decay");
          nn_json_write_number_fmt (&w, "%.9g", t->weight_decay);
        }
      /* SGD's alone: Adam's betas are fixed */
      if (g_strcmp0 (t->optimizer, "sgd") == 0)
        {
          nn_json_write_key (&w, "momentum");
          nn_json_write_number_fmt (&w, "%.9g", t->momentum);
        }
      nn_train_extras_write_json (&t->extras, &w);
      nn_json_write_key (&w, "validation_size");
      nn_json_write_uint (&w, t->validation_size);
      nn_json_write_key (&w, "seed");
      nn_json_write_uint (&w, t->seed);
      nn_json_write_key (&w, "train_images");
      nn_json_write_uint (&w, t->n_train);
      if (isfinite (t->best_val_accuracy))
        {
          nn_json_write_key (&w, "best_validation_accuracy");
          nn_json_write_number_fmt (&w, "%.9g", t->best_val_accuracy);
        }
      if (with_measurements && isfinite (t->seconds))
        {
          nn_json_write_key (&w, "training_seconds");
          nn_json_write_number_fmt (&w, "%.6g", t->seconds);
        }
      if (t->n_threads > 0)
        {
          nn_json_write_key (&w, "threads");
          nn_json_write_uint (&w, t->n_threads);
        }
      if (with_measurements && t->hardware != NULL)
        {
          nn_json_write_key (&w, "hardware");
          nn_json_write_string (&w, t->hardware);
        }
      if (t->engine_version != NULL)
        {
          nn_json_write_key (&w, "engine_version");
          nn_json_write_string (&w, t->engine_version);
        }
      nn_json_write_end_object (&w);
    }
  nn_json_write_end_object (&w);
  g_string_append_c (s, '\n');
  return g_string_free (s, FALSE);
}


/* ---- saving: both files into a fresh sibling folder, then swapped in as one ---- */

static gboolean
io_error (GError    **error,
          int         saved_errno,
          const char *format,
          const char *path)
{
  g_autofree char *what = g_strdup_printf (format, path);

  g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_IO, "%s: %s", what,
               g_strerror (saved_errno));
  return FALSE;
}

static gboolean
fsync_path (const char  *path,
            GError     **error)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_DIRECTORY);

  if (fd < 0 || fsync (fd) != 0)
    {
      int saved = errno;

      if (fd >= 0)
        close (fd);
      /* some file systems cannot sync a folder; the data in it is synced already */
      if (saved == EINVAL || saved == ENOTSUP)
        return TRUE;
      return io_error (error, saved, "Cannot sync the folder %s", path);
    }
  close (fd);
  return TRUE;
}

/* A new file holding data, on disk (fsync) before this returns; errors name it as `name`, the
 * path it is meant to have. */
static gboolean
write_synced (const char  *path,
              const char  *name,
              const void  *data,
              size_t       size,
              GError     **error)
{
  const char *p = data;
  int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0644);

  if (fd < 0)
    return io_error (error, errno, "Cannot create %s", name);
  while (size > 0)
    {
      ssize_t n = write (fd, p, size);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          int saved = n < 0 ? errno : ENOSPC;

          close (fd);
          return io_error (error, saved, "Cannot write %s", name);
        }
      p += n;
      size -= (size_t) n;
    }
  if (fsync (fd) != 0)
    {
      int saved = errno;

      close (fd);
      return io_error (error, saved, "Cannot write %s", name);
    }
  if (close (fd) != 0)
    return io_error (error, errno, "Cannot write %s", name);
  return TRUE;
}

/* The files a model folder may hold: its own, and what an export writes beside them (the card,
 * train.py, the widget's example images). */
static gboolean
is_model_file (const char *name)
{
  return strcmp (name, NN_MODEL_WEIGHTS_FILE) == 0 || strcmp (name, NN_MODEL_CONFIG_FILE) == 0 ||
         strcmp (name, "README.md") == 0 || strcmp (name, "train.py") == 0 ||
         (g_str_has_prefix (name, "example-") && g_str_has_suffix (name, ".png"));
}

/* Removes a folder that holds only a model's own files; what cannot be removed is left. */
static void
remove_model_folder (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (is_model_file (name))
        g_unlink (path);
    }
  if (g_rmdir (dir) != 0)
    g_debug ("Cannot remove %s: %s", dir, g_strerror (errno));
}

/* Whether dir may be swapped away: only a model's own regular files in it (or nothing). */
static gboolean
check_replaceable (const char  *dir,
                   GError     **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(GDir) d = g_dir_open (dir, 0, &local);
  const char *name;

  if (d == NULL)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_IO, "Cannot read the folder %s: %s", dir,
                   local->message);
      return FALSE;
    }
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      GStatBuf info;

      if (!is_model_file (name) || g_lstat (path, &info) != 0 || !S_ISREG (info.st_mode))
        {
          g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_IO,
                       "%s holds “%s”, which is not part of a model: a model is saved only into "
                       "a new or empty folder, or over another model", dir, name);
          return FALSE;
        }
    }
  return TRUE;
}

/* Puts the folder tmp in the place of target, which exists; afterwards tmp holds the old one.
 * Linux swaps two folders atomically; elsewhere the old folder is renamed aside first and put
 * back if the new one cannot take its place. */
static gboolean
swap_folders (const char  *tmp,
              const char  *target,
              const char  *parent,
              const char  *base,
              GError     **error)
{
  g_autofree char *aside = NULL;

#ifdef RENAME_EXCHANGE
  /* the variable lets tests run the fallback on file systems that can exchange */
  if (g_getenv ("DIGIT_LAB_SAVE_WITHOUT_EXCHANGE") == NULL)
    {
      if (renameat2 (AT_FDCWD, tmp, AT_FDCWD, target, RENAME_EXCHANGE) == 0)
        return TRUE;
      if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
        return io_error (error, errno, "Cannot replace the folder %s", target);
    }
#endif
  /* a unique empty folder, which rename () may replace with the old model */
  aside = g_strdup_printf ("%s/.%s.old-XXXXXX", parent, base);
  if (g_mkdtemp_full (aside, 0755) == NULL)
    return io_error (error, errno, "Cannot create a folder beside %s", target);
  if (g_rename (target, aside) != 0)
    {
      int saved = errno;

      g_rmdir (aside);
      return io_error (error, saved, "Cannot replace the folder %s", target);
    }
  if (g_rename (tmp, target) != 0)
    {
      int saved = errno;

      if (g_rename (aside, target) != 0)
        g_debug ("Cannot put %s back in place: %s", target, g_strerror (errno));
      return io_error (error, saved, "Cannot replace the folder %s", target);
    }
  /* as after an exchange, tmp's name holds the old model; it cannot fail, tmp being gone */
  if (g_rename (aside, tmp) != 0)
    remove_model_folder (aside);
  return TRUE;
}

/* The weights as safetensors bytes, with the configuration in their metadata. */
static GBytes *
serialize_weights (const NnModel  *model,
                   const char     *config,
                   GError        **error)
{
  const NnSpec *spec = nn_network_get_spec (model->net);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree NnTensor *tensors = g_new0 (NnTensor, 4 * MAX (spec->n_layers, 1));
  g_autofree char *spec_text = nn_spec_to_string (spec);
  /* the configuration travels inside the weights too, so that the file alone is a model (a
   * sandboxed app handed one file by a file manager sees nothing beside it) */
  const char *metadata[] = { "format", "pt", "architecture", spec_text, "producer", "Digit Lab",
                             NN_MODEL_CONFIG_METADATA, config, NULL };
  float *params = nn_network_get_params (model->net);
  size_t n = 0;

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
      tensors[n].n_dims = nn_layer_class (l->spec.kind)->weight_shape (l, tensors[n].shape);
      n++;
      tensors[n++] = (NnTensor) { .name = bname, .n_dims = 1, .shape = { l->n_bias },
                                  .data = params + l->bias_offset };
      for (size_t k = 0, m = n_buffer_tensors (l); k < m && n < 4 * spec->n_layers; k++)
        {
          char *name = tensor_name (i, nn_layer_class (l->spec.kind)->buffer_names[k]);

          g_ptr_array_add (names, name);
          tensors[n++] = (NnTensor) { .name = name, .n_dims = 1, .shape = { l->n_buffer / m },
                                      .data = params + l->buffer_offset + k * (l->n_buffer / m) };
        }
    }
  return nn_safetensors_serialize (tensors, n, metadata, error);
}

gboolean
nn_model_save (const NnModel  *model,
               const char     *dir,
               GError        **error)
{
  g_autofree char *target = NULL;
  g_autofree char *parent = NULL;
  g_autofree char *base = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *config = NULL;
  g_autoptr(GBytes) weights = NULL;
  gboolean exists;
  GStatBuf info;

  g_return_val_if_fail (model != NULL && dir != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  target = g_canonicalize_filename (dir, NULL);
  parent = g_path_get_dirname (target);
  base = g_path_get_basename (target);
  if (strcmp (target, parent) == 0)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_IO, "Cannot save a model as %s", dir);
      return FALSE;
    }

  /* what is there decides whether the model may go there, before anything is written */
  exists = g_lstat (target, &info) == 0;
  if (!exists && errno != ENOENT)
    return io_error (error, errno, "Cannot use the folder %s", target);
  if (exists && !S_ISDIR (info.st_mode))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_IO,
                   S_ISLNK (info.st_mode) ? "%s is a symbolic link: a model is saved into a "
                                            "real folder"
                                          : "%s exists and is not a folder", target);
      return FALSE;
    }
  if (exists && !check_replaceable (target, error))
    return FALSE;
  if (g_mkdir_with_parents (parent, 0755) != 0)
    return io_error (error, errno, "Cannot create the folder %s", parent);

  config = nn_model_config_to_json (model);
  {
    g_autofree char *embedded = config_to_json (model, FALSE);

    weights = serialize_weights (model, embedded, error);
  }
  if (weights == NULL)
    return FALSE;

  /* both files into a fresh folder beside the target; the target is untouched until the swap */
  tmp = g_strdup_printf ("%s/.%s.saving-XXXXXX", parent, base);
  if (g_mkdtemp_full (tmp, 0755) == NULL)
    return io_error (error, errno, "Cannot create a folder beside %s", target);
  {
    g_autofree char *weights_path = g_build_filename (tmp, NN_MODEL_WEIGHTS_FILE, NULL);
    g_autofree char *config_path = g_build_filename (tmp, NN_MODEL_CONFIG_FILE, NULL);
    g_autofree char *weights_name = g_build_filename (target, NN_MODEL_WEIGHTS_FILE, NULL);
    g_autofree char *config_name = g_build_filename (target, NN_MODEL_CONFIG_FILE, NULL);
    gsize size;
    const void *data = g_bytes_get_data (weights, &size);

    if (!write_synced (weights_path, weights_name, data, size, error) ||
        !write_synced (config_path, config_name, config, strlen (config), error) ||
        !fsync_path (tmp, error))
      goto fail;
  }

  if (!exists)
    {
      if (g_rename (tmp, target) != 0)
        {
          io_error (error, errno, "Cannot create the folder %s", target);
          goto fail;
        }
      g_clear_pointer (&tmp, g_free);
    }
  else
    {
      if (!swap_folders (tmp, target, parent, base, error))
        goto fail;
      /* tmp now holds the old model */
      remove_model_folder (tmp);
      g_clear_pointer (&tmp, g_free);
    }
  return fsync_path (parent, error);

fail:
  remove_model_folder (tmp);
  return FALSE;
}

/* ---- loading: everything in the files is checked before the network is allocated ---- */

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

/* What a config.json says, each field checked. */
typedef struct
{
  NnJsonNode      *root;
  NnSpec          *spec;
  size_t           dims[3];         /* input (C, H, W) */
  NnNormalisation  norm;
  GPtrArray       *names;           /* NULL-terminated class names */
  const char      *dataset;         /* in root; nullable */
} Config;

static void
config_clear (Config *c)
{
  g_clear_pointer (&c->root, nn_json_node_free);
  g_clear_pointer (&c->spec, nn_spec_free);
  g_clear_pointer (&c->names, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Config, config_clear)

static gboolean
config_read (const char  *json,
             size_t       length,
             Config      *c,
             GError     **error)
{
  const NnJsonNode *node, *shape, *classes, *norm_node;
  const char *arch;
  gint64 version;
  double mean, std;

  if (length > NN_FILE_MAX_CONFIG)
    return bad_config (error, "the file is too large");
  c->root = nn_json_parse (json, length, error);
  if (c->root == NULL)
    return in_config (error);
  if (nn_json_node_get_kind (c->root) != NN_JSON_OBJECT)
    return bad_config (error, "not a JSON object");
  if (!nn_json_object_get_int_member (c->root, "format_version", &version, error))
    return in_config (error);
  if (version != NN_MODEL_FORMAT_VERSION)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_BAD_CONFIG,
                   "config.json: format version %" G_GINT64_FORMAT " is not supported "
                   "(this version reads %d)", version, NN_MODEL_FORMAT_VERSION);
      return FALSE;
    }
  node = nn_json_object_get (c->root, "model_type");
  if (node != NULL && (nn_json_node_get_kind (node) != NN_JSON_STRING ||
                       strcmp (nn_json_node_get_string (node), "digit-lab-cnn") != 0))
    return bad_config (error, "“model_type” is not “digit-lab-cnn”");
  if (!nn_json_object_get_string_member (c->root, "architecture", &arch, error))
    return in_config (error);
  c->spec = nn_spec_parse (arch, error);
  if (c->spec == NULL)
    return in_config (error);

  shape = nn_json_object_get (c->root, "input_shape");
  if (shape == NULL || nn_json_node_get_kind (shape) != NN_JSON_ARRAY ||
      nn_json_array_get_length (shape) != 3)
    return bad_config (error, "“input_shape” must be [channels, height, width]");
  for (size_t i = 0; i < 3; i++)
    {
      double v;

      node = nn_json_array_get_element (shape, i);
      if (nn_json_node_get_kind (node) != NN_JSON_NUMBER)
        return bad_config (error, "“input_shape” holds an invalid size");
      v = nn_json_node_get_number (node);
      if (!(v >= 1 && v <= NN_NETWORK_MAX_SIDE) || v != floor (v))
        return bad_config (error, "“input_shape” holds an invalid size");
      c->dims[i] = (size_t) v;
    }

  norm_node = nn_json_object_get (c->root, "normalization");
  if (norm_node == NULL || nn_json_node_get_kind (norm_node) != NN_JSON_OBJECT)
    return bad_config (error, "“normalization” is missing");
  if (!nn_json_object_get_double_member (norm_node, "mean", &mean, error) ||
      !nn_json_object_get_double_member (norm_node, "std", &std, error))
    return in_config (error);
  /* checked as read, before float rounds 1e300 to infinity or 1e-45 to a denormal */
  if (!check_normalisation (mean, std, error))
    return in_config (error);
  c->norm.mean = (float) mean;
  c->norm.std = (float) std;

  classes = nn_json_object_get (c->root, "class_names");
  if (classes == NULL || nn_json_node_get_kind (classes) != NN_JSON_ARRAY ||
      nn_json_array_get_length (classes) > 256)
    return bad_config (error, "“class_names” must be a list of names");
  c->names = g_ptr_array_new ();
  for (size_t k = 0; k < nn_json_array_get_length (classes); k++)
    {
      node = nn_json_array_get_element (classes, k);
      if (nn_json_node_get_kind (node) != NN_JSON_STRING)
        return bad_config (error, "“class_names” must hold strings");
      g_ptr_array_add (c->names, (gpointer) nn_json_node_get_string (node));
    }
  g_ptr_array_add (c->names, NULL);
  if (!check_class_names ((const char *const *) c->names->pdata, error))
    return in_config (error);
  node = nn_json_object_get (c->root, "num_classes");
  if (node != NULL && (nn_json_node_get_kind (node) != NN_JSON_NUMBER ||
                       nn_json_node_get_number (node) != (double) (c->names->len - 1)))
    return bad_config (error, "“num_classes” is not the number of class names");
  node = nn_json_object_get (c->root, "dataset");
  if (node != NULL)
    {
      if (nn_json_node_get_kind (node) != NN_JSON_STRING ||
          strlen (nn_json_node_get_string (node)) > MAX_DATASET_NAME_BYTES)
        return bad_config (error, "“dataset” must be a short name");
      c->dataset = nn_json_node_get_string (node);
    }
  node = nn_json_object_get (c->root, "test_accuracy");
  if (node != NULL && nn_json_node_get_kind (node) != NN_JSON_NULL &&
      (nn_json_node_get_kind (node) != NN_JSON_NUMBER ||
       !(nn_json_node_get_number (node) >= 0 && nn_json_node_get_number (node) <= 1)))
    return bad_config (error, "“test_accuracy” must be a fraction from 0 to 1");
  return TRUE;
}

/* The optional training record; fields out of range are refused, not clamped. */
static gboolean
config_read_training (const Config    *c,
                      NnModelTraining *t,
                      GError         **error)
{
  const NnJsonNode *node = nn_json_object_get (c->root, "training");
  gint64 v[6] = { 0 };
  const char *opt_name = NULL;
  double lr, rotation, weight_decay = 0, momentum = NN_MODEL_DEFAULT_MOMENTUM;
  NnTrainExtras extras;
  g_autoptr(GError) local = NULL;

  if (node == NULL)
    return TRUE;
  if (nn_json_node_get_kind (node) != NN_JSON_OBJECT)
    return bad_config (error, "“training” must be an object");
  /* a record written by another version may lack fields: the training is then unknown */
  if (!nn_json_object_get_int_member (node, "epochs", &v[0], NULL) ||
      !nn_json_object_get_int_member (node, "best_epoch", &v[1], NULL) ||
      !nn_json_object_get_int_member (node, "batch_size", &v[2], NULL) ||
      !nn_json_object_get_int_member (node, "validation_size", &v[3], NULL) ||
      !nn_json_object_get_int_member (node, "seed", &v[4], NULL) ||
      !nn_json_object_get_int_member (node, "train_images", &v[5], NULL) ||
      !nn_json_object_get_string_member (node, "optimizer", &opt_name, NULL) ||
      !nn_json_object_get_double_member (node, "learning_rate", &lr, NULL) ||
      !nn_json_object_get_double_member (node, "rotation_degrees", &rotation, NULL))
    return TRUE;
  for (size_t i = 0; i < G_N_ELEMENTS (v); i++)
    if (i != 4 && (v[i] < 0 || v[i] > G_MAXUINT))
      return bad_config (error, "“training” holds a count out of range");
  if (v[4] < 0 || v[1] > v[0] || !(lr >= 0 && lr <= 1e6) ||
      !(rotation >= 0 && rotation <= 360) || strlen (opt_name) > 64)
    return bad_config (error, "“training” holds a value out of range");
  /* recorded later: a file without them trained with what they meant before */
  if (nn_json_object_get (node, "weight_decay") != NULL &&
      (!nn_json_object_get_double_member (node, "weight_decay", &weight_decay, NULL) ||
       !(weight_decay >= 0 && weight_decay < 1)))
    return bad_config (error, "“training” holds a weight decay out of range");
  if (nn_json_object_get (node, "momentum") != NULL &&
      (!nn_json_object_get_double_member (node, "momentum", &momentum, NULL) ||
       !(momentum >= 0 && momentum < 1)))
    return bad_config (error, "“training” holds a momentum out of range");
  nn_train_extras_init (&extras);
  if (!nn_train_extras_read_json (&extras, node, FALSE, &local))
    return bad_config (error, local->message);
  t->known = TRUE;
  t->weight_decay = weight_decay;
  t->momentum = momentum;
  t->extras = extras;
  t->epochs = (guint) v[0];
  t->best_epoch = (guint) v[1];
  t->batch_size = (guint) v[2];
  t->validation_size = (guint) v[3];
  t->seed = (guint64) v[4];
  t->n_train = (guint) v[5];
  t->learning_rate = lr;
  t->rotation_degrees = rotation;
  t->optimizer = g_strdup (opt_name);
  /* optional: what the card reports beside the recipe */
  {
    double value;
    gint64 threads;
    const char *text;

    t->best_val_accuracy = t->seconds = NAN;
    if (nn_json_object_get_double_member (node, "best_validation_accuracy", &value, NULL) &&
        value >= 0 && value <= 1)
      t->best_val_accuracy = value;
    if (nn_json_object_get_double_member (node, "training_seconds", &value, NULL) &&
        value >= 0 && value <= 1e9)
      t->seconds = value;
    if (nn_json_object_get_int_member (node, "threads", &threads, NULL) &&
        threads > 0 && threads <= 4096)
      t->n_threads = (guint) threads;
    if (nn_json_object_get_string_member (node, "hardware", &text, NULL) && strlen (text) <= 200)
      t->hardware = g_strdup (text);
    if (nn_json_object_get_string_member (node, "engine_version", &text, NULL) &&
        strlen (text) <= 64)
      t->engine_version = g_strdup (text);
  }
  return TRUE;
}

/* Layer i's buffers in st: each there, of its shape, finite, and making sense with the layer's
 * weight and bias (a variance is not below zero); counts them into *n_expected. */
static gboolean
check_buffers (const NnLayer        *l,
               size_t                i,
               const NnSafetensors  *st,
               const float          *weight,
               const float          *bias,
               size_t               *n_expected,
               GError              **error)
{
  const NnLayerClass *klass = nn_layer_class (l->spec.kind);
  size_t m = n_buffer_tensors (l);
  g_autofree float *buffers = NULL;

  if (m == 0)
    return TRUE;
  buffers = g_new (float, l->n_buffer);
  for (size_t k = 0; k < m; k++)
    {
      g_autofree char *name = tensor_name (i, klass->buffer_names[k]);
      const NnTensor *t = nn_safetensors_lookup (st, name);
      size_t len = l->n_buffer / m;

      if (t == NULL)
        {
          g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MISMATCH,
                       "model.safetensors has no tensor “%s” for layer %zu (%s)", name, i + 1,
                       nn_layer_kind_to_string (l->spec.kind));
          return FALSE;
        }
      if (!nn_safetensors_check_shape (t, 1, &len, error))
        return FALSE;
      for (size_t j = 0; j < len; j++)
        if (!isfinite (t->data[j]))
          {
            g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MISMATCH,
                         "model.safetensors holds weights that are not finite numbers");
            return FALSE;
          }
      memcpy (buffers + k * len, t->data, sizeof (float) * len);
    }
  *n_expected += m;
  if (klass->check_values != NULL)
    {
      g_autoptr(GError) why = NULL;

      if (!klass->check_values (l, weight, bias, buffers, i, &why))
        {
          g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MISMATCH, "model.safetensors: %s",
                       why->message);
          return FALSE;
        }
    }
  return TRUE;
}

/* The weights fit the configuration: the tensors the layers need, of their shapes, all finite,
 * and nothing else. Only the layers are computed, nothing of the network's size allocated. */
static gboolean
check_tensors (const Config        *c,
               const NnSafetensors *st,
               GError             **error)
{
  g_autofree NnLayer *layers = NULL;
  size_t n_params, n_expected = 0;

  layers = nn_network_plan (c->spec, c->dims[0], c->dims[1], c->dims[2], &n_params, error);
  if (layers == NULL)
    return in_config (error);
  if (layers[c->spec->n_layers - 1].out_c != c->names->len - 1)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MISMATCH,
                   "config.json: the network has %zu outputs but %u class names",
                   layers[c->spec->n_layers - 1].out_c, c->names->len - 1);
      return FALSE;
    }
  for (size_t i = 0; i < c->spec->n_layers; i++)
    {
      const NnLayer *l = &layers[i];
      g_autofree char *wname = NULL, *bname = NULL;
      const NnTensor *w, *b;
      size_t wshape[4] = { 0 };
      size_t n_dims;

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
          return FALSE;
        }
      n_dims = nn_layer_class (l->spec.kind)->weight_shape (l, wshape);
      if (!nn_safetensors_check_shape (w, n_dims, wshape, error) ||
          !nn_safetensors_check_shape (b, 1, &l->n_bias, error))
        return FALSE;
      for (size_t k = 0; k < l->n_weight; k++)
        if (!isfinite (w->data[k]))
          goto not_finite;
      for (size_t k = 0; k < l->n_bias; k++)
        if (!isfinite (b->data[k]))
          goto not_finite;
      n_expected += 2;
      if (!check_buffers (l, i, st, w->data, b->data, &n_expected, error))
        return FALSE;
    }
  if (nn_safetensors_get_n_tensors (st) != n_expected)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MISMATCH,
                   "model.safetensors holds %zu tensors but the architecture in config.json "
                   "has %zu", nn_safetensors_get_n_tensors (st), n_expected);
      return FALSE;
    }
  return TRUE;

not_finite:
  g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MISMATCH,
               "model.safetensors holds weights that are not finite numbers");
  return FALSE;
}

static gboolean json_equal (const NnJsonNode *a, const NnJsonNode *b);

/* Objects are equal with the same members in any order: in the same order (as saved) they are
 * compared pairwise, otherwise through a hash table, so that the check stays linear. */
static gboolean
json_objects_equal (const NnJsonNode *a,
                    const NnJsonNode *b)
{
  size_t n = nn_json_object_get_size (a);
  g_autoptr(GHashTable) index = NULL;

  if (n != nn_json_object_get_size (b))
    return FALSE;
  for (size_t i = 0; i < n; i++)
    {
      const char *key = nn_json_object_get_key (a, i);
      const NnJsonNode *other;

      if (strcmp (key, nn_json_object_get_key (b, i)) == 0)
        other = nn_json_object_get_value (b, i);
      else
        {
          if (index == NULL)
            {
              index = g_hash_table_new (g_str_hash, g_str_equal);
              for (size_t j = 0; j < n; j++)
                g_hash_table_insert (index, (gpointer) nn_json_object_get_key (b, j),
                                     (gpointer) nn_json_object_get_value (b, j));
            }
          other = g_hash_table_lookup (index, key);
        }
      if (other == NULL || !json_equal (nn_json_object_get_value (a, i), other))
        return FALSE;
    }
  return TRUE;
}

static gboolean
json_equal (const NnJsonNode *a,
            const NnJsonNode *b)
{
  NnJsonKind kind = nn_json_node_get_kind (a);

  if (kind != nn_json_node_get_kind (b))
    return FALSE;
  switch (kind)
    {
    case NN_JSON_NULL:
      return TRUE;
    case NN_JSON_BOOL:
      return nn_json_node_get_bool (a) == nn_json_node_get_bool (b);
    case NN_JSON_NUMBER:
      return nn_json_node_get_number (a) == nn_json_node_get_number (b);
    case NN_JSON_STRING:
      return strcmp (nn_json_node_get_string (a), nn_json_node_get_string (b)) == 0;
    case NN_JSON_ARRAY:
      if (nn_json_array_get_length (a) != nn_json_array_get_length (b))
        return FALSE;
      for (size_t i = 0; i < nn_json_array_get_length (a); i++)
        if (!json_equal (nn_json_array_get_element (a, i), nn_json_array_get_element (b, i)))
          return FALSE;
      return TRUE;
    case NN_JSON_OBJECT:
    default:
      return json_objects_equal (a, b);
    }
}

/* a's and b's members the same, in any order, those for which skip () is TRUE set aside; linear
 * through an index of b's members */
static gboolean
json_objects_equal_except (const NnJsonNode *a,
                           const NnJsonNode *b,
                           gboolean        (*skip) (const char *key))
{
  g_autoptr(GHashTable) index = g_hash_table_new (g_str_hash, g_str_equal);
  size_t n_a = 0;

  for (size_t j = 0; j < nn_json_object_get_size (b); j++)
    if (!skip (nn_json_object_get_key (b, j)))
      g_hash_table_insert (index, (gpointer) nn_json_object_get_key (b, j),
                           (gpointer) nn_json_object_get_value (b, j));
  for (size_t i = 0; i < nn_json_object_get_size (a); i++)
    {
      const char *key = nn_json_object_get_key (a, i);
      const NnJsonNode *other;

      if (skip (key))
        continue;
      n_a++;
      other = g_hash_table_lookup (index, key);
      if (other == NULL || !json_equal (nn_json_object_get_value (a, i), other))
        return FALSE;
    }
  /* duplicate keys are refused by the parser, so equal counts mean the same members */
  return n_a == g_hash_table_size (index);
}

static gboolean
is_training_key (const char *key)
{
  return strcmp (key, "training") == 0;
}

/* Two configurations are the same model when they agree on everything but the measurements
 * inside "training" (which the copy in the weights leaves out; older files kept them there). */
static gboolean
configs_equal (const NnJsonNode *a,
               const NnJsonNode *b)
{
  const NnJsonNode *ta, *tb;
  gboolean (*skip_training) (const char *) = NULL;

  if (nn_json_node_get_kind (a) != NN_JSON_OBJECT || nn_json_node_get_kind (b) != NN_JSON_OBJECT)
    return json_equal (a, b);
  ta = nn_json_object_get (a, "training");
  tb = nn_json_object_get (b, "training");
  if (ta != NULL && tb != NULL && nn_json_node_get_kind (ta) == NN_JSON_OBJECT &&
      nn_json_node_get_kind (tb) == NN_JSON_OBJECT)
    skip_training = is_measurement;
  if (skip_training == NULL)
    return json_equal (a, b);
  return json_objects_equal_except (ta, tb, skip_training) &&
         json_objects_equal_except (a, b, is_training_key);
}

/* A folder's config.json must say what the copy inside its weights says: otherwise the two
 * files come from different models (or one was edited), and neither can be trusted. */
static gboolean
check_embedded_config (const Config        *c,
                       const NnSafetensors *st,
                       GError             **error)
{
  const char *embedded = nn_safetensors_get_metadata (st, NN_MODEL_CONFIG_METADATA);
  g_autoptr(NnJsonNode) root = NULL;
  size_t n;

  if (embedded == NULL)
    return TRUE;
  n = strlen (embedded);
  if (n <= NN_FILE_MAX_CONFIG)
    root = nn_json_parse (embedded, n, NULL);
  if (root == NULL)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MISMATCH,
                   "the configuration inside model.safetensors is not valid, so config.json "
                   "cannot be checked against it");
      return FALSE;
    }
  if (configs_equal (c->root, root))
    return TRUE;

  /* name the first member that differs, through an index of theirs to stay linear */
  if (nn_json_node_get_kind (root) == NN_JSON_OBJECT)
    {
      g_autoptr(GHashTable) index = g_hash_table_new (g_str_hash, g_str_equal);

      for (size_t j = 0; j < nn_json_object_get_size (root); j++)
        g_hash_table_insert (index, (gpointer) nn_json_object_get_key (root, j),
                             (gpointer) nn_json_object_get_value (root, j));
      for (size_t i = 0; i < nn_json_object_get_size (c->root); i++)
        {
          const char *key = nn_json_object_get_key (c->root, i);
          const NnJsonNode *theirs = g_hash_table_lookup (index, key);

          if (theirs == NULL || !json_equal (nn_json_object_get_value (c->root, i), theirs))
            {
              g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MISMATCH,
                           "config.json differs from the configuration inside "
                           "model.safetensors (“%s”): the two files do not belong to the same "
                           "model", key);
              return FALSE;
            }
        }
    }
  g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MISMATCH,
               "config.json differs from the configuration inside model.safetensors: the two "
               "files do not belong to the same model");
  return FALSE;
}

/* A model from a configuration checked with its weights. */
static NnModel *
model_from_config (const Config        *c,
                   const NnSafetensors *st,
                   size_t               n_threads,
                   GError             **error)
{
  g_autoptr(NnModel) model = NULL;
  const NnJsonNode *node;
  NnModelTraining training = { 0 };
  float *params;

  if (!config_read_training (c, &training, error))
    return NULL;
  model = nn_model_new (c->spec, c->dims[0], c->dims[1], c->dims[2], NULL, &c->norm,
                        c->dataset, (const char *const *) c->names->pdata, n_threads, error);
  if (model == NULL)
    {
      g_free (training.optimizer);
      g_free (training.hardware);
      g_free (training.engine_version);
      return NULL;
    }
  model->training = training;
  node = nn_json_object_get (c->root, "test_accuracy");
  if (node != NULL && nn_json_node_get_kind (node) == NN_JSON_NUMBER)
    model->test_accuracy = nn_json_node_get_number (node);

  /* "layers" repeats the architecture for readers without a spec parser (PyTorch users): it
   * must say what this network is, as this version would write it */
  node = nn_json_object_get (c->root, "layers");
  if (node != NULL)
    {
      g_autofree char *ours = nn_model_config_to_json (model);
      g_autoptr(NnJsonNode) ours_root = nn_json_parse (ours, strlen (ours), NULL);

      if (ours_root == NULL || !json_equal (node, nn_json_object_get (ours_root, "layers")))
        {
          bad_config (error, "“layers” does not describe the architecture");
          return NULL;
        }
    }

  params = nn_network_get_params (model->net);
  for (size_t i = 0; i < c->spec->n_layers; i++)
    {
      const NnLayer *l = nn_network_get_layer (model->net, i);
      g_autofree char *wname = NULL, *bname = NULL;

      if (l->n_weight == 0)
        continue;
      wname = tensor_name (i, "weight");
      bname = tensor_name (i, "bias");
      memcpy (params + l->weight_offset, nn_safetensors_lookup (st, wname)->data,
              sizeof (float) * l->n_weight);
      memcpy (params + l->bias_offset, nn_safetensors_lookup (st, bname)->data,
              sizeof (float) * l->n_bias);
      for (size_t k = 0, m = n_buffer_tensors (l); k < m; k++)
        {
          g_autofree char *name = tensor_name (i, nn_layer_class (l->spec.kind)->buffer_names[k]);

          memcpy (params + l->buffer_offset + k * (l->n_buffer / m),
                  nn_safetensors_lookup (st, name)->data, sizeof (float) * (l->n_buffer / m));
        }
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
  g_auto(Config) c = { 0 };

  g_return_val_if_fail (config_json != NULL && weights != NULL, NULL);

  if (weights_length > NN_FILE_MAX_WEIGHTS)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_IO,
                   "%s is too large (%zu bytes; a model's weights have at most %zu)",
                   NN_MODEL_WEIGHTS_FILE, weights_length, (size_t) NN_FILE_MAX_WEIGHTS);
      return NULL;
    }
  st = nn_safetensors_load_from_bytes (weights, weights_length, error);
  if (st == NULL)
    {
      g_prefix_error (error, "%s: ", NN_MODEL_WEIGHTS_FILE);
      return NULL;
    }
  if (!config_read (config_json, config_length, &c, error) ||
      !check_tensors (&c, st, error) ||
      !check_embedded_config (&c, st, error))
    return NULL;
  return model_from_config (&c, st, n_threads, error);
}

/* A .safetensors file that carries its configuration in its metadata. */
static NnModel *
load_single_file (const char  *path,
                  size_t       n_threads,
                  GError     **error)
{
  g_autoptr(NnSafetensors) st = NULL;
  g_autofree char *contents = NULL;
  g_auto(Config) c = { 0 };
  const char *config;
  gsize size;
  NnModel *model;

  /* a model's bound, tighter than what safetensors files may hold */
  if (!nn_file_read (path, NN_FILE_MAX_WEIGHTS, &contents, &size, error))
    return NULL;
  st = nn_safetensors_load_from_bytes ((const guint8 *) contents, size, error);
  if (st == NULL)
    {
      g_prefix_error (error, "%s: ", path);
      return NULL;
    }
  g_clear_pointer (&contents, g_free);
  config = nn_safetensors_get_metadata (st, NN_MODEL_CONFIG_METADATA);
  if (config == NULL)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_IO,
                   "%s is not a Digit Lab model: it carries no configuration, and there is no "
                   "%s beside it", path, NN_MODEL_CONFIG_FILE);
      return NULL;
    }
  if (!config_read (config, strlen (config), &c, error) || !check_tensors (&c, st, error) ||
      (model = model_from_config (&c, st, n_threads, error)) == NULL)
    {
      g_prefix_error (error, "%s: ", path);
      return NULL;
    }
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
           !g_file_test (config_path, G_FILE_TEST_EXISTS)))
        return load_single_file (path, n_threads, error);
    }

  if (!g_file_test (config_path, G_FILE_TEST_EXISTS) ||
      !g_file_test (weights_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_IO,
                   "%s is not a model: it needs %s and %s side by side", path,
                   NN_MODEL_WEIGHTS_FILE, NN_MODEL_CONFIG_FILE);
      return NULL;
    }
  /* regular files only, each under its kind's cap: a FIFO, a device or a folder in their place
   * is an error at once */
  if (!nn_file_read (config_path, NN_FILE_MAX_CONFIG, &config, &config_length, error) ||
      !nn_file_read (weights_path, NN_FILE_MAX_WEIGHTS, &weights, &weights_length, error))
    return NULL;
  model = nn_model_load_from_data (config, config_length, (const guint8 *) weights,
                                   weights_length, n_threads, error);
  /* the folder, so that a message about its config.json or weights says which model */
  if (model == NULL)
    g_prefix_error (error, "%s: ", dir);
  return model;
}
