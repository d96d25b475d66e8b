/* nn-checkpoint.c: writes training checkpoints and reads them strictly, header before vectors */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-checkpoint.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "nn-file.h"
#include "nn-json.h"
#include "nn-spec.h"

G_DEFINE_QUARK (nn-checkpoint-error-quark, nn_checkpoint_error)

#define CHECKPOINT_FORMAT "digit-lab-checkpoint"
/* the history of NN_TRAIN_MAX_EPOCHS epochs takes about 2.5 MiB */
#define MAX_HEADER ((guint64) 16 << 20)
#define HISTORY_FIELDS 10

static void G_GNUC_PRINTF (4, 5)
set_error (GError            **error,
           NnCheckpointError   code,
           const char         *path,
           const char         *format,
           ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, NN_CHECKPOINT_ERROR, code, "%s: %s", path, message);
}

guint64
nn_checkpoint_batches_per_epoch (const NnCheckpoint *ck)
{
  guint64 n_train;

  g_return_val_if_fail (ck != NULL && ck->config.batch_size > 0, 0);
  g_return_val_if_fail (ck->n_train_file > ck->config.validation_size, 0);

  n_train = ck->config.extras.train_on_all ? ck->n_train_file
                                           : ck->n_train_file - ck->config.validation_size;
  return (n_train + ck->config.batch_size - 1) / ck->config.batch_size;
}

/* ---- writing -------------------------------------------------------------------------- */

static guint32
crc_update (guint32       crc,
            const guint8 *data,
            size_t        size)
{
  /* zlib counts in uInt: feed it pieces it can take */
  while (size > 0)
    {
      uInt piece = (uInt) MIN (size, (size_t) 1 << 30);

      crc = (guint32) crc32 (crc, data, piece);
      data += piece;
      size -= piece;
    }
  return crc;
}

/* The CRC-32 of vectors as the file stores them: little-endian, one after another. */
static guint32
crc_vectors (const float *const *vectors,
             size_t              n_vectors,
             size_t              n_params)
{
  guint32 crc = (guint32) crc32 (0L, Z_NULL, 0);

  for (size_t i = 0; i < n_vectors; i++)
    {
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
      crc = crc_update (crc, (const guint8 *) vectors[i], n_params * sizeof (float));
#else
      for (size_t k = 0; k < n_params; k++)
        {
          guint32 v;

          memcpy (&v, &vectors[i][k], 4);
          v = GUINT32_TO_LE (v);
          crc = crc_update (crc, (const guint8 *) &v, 4);
        }
#endif
    }
  return crc;
}

static char *
format_double (double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup (g_ascii_dtostr (buf, sizeof buf, v));
}

GBytes *
nn_checkpoint_serialize (const NnCheckpoint  *ck,
                         GError             **error)
{
  const NnTrainConfig *c;
  g_autoptr(GPtrArray) kv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) history = g_string_new (NULL);
  NnTensor tensors[4];
  const float *vectors[4];
  size_t n_tensors = 0;

  g_return_val_if_fail (ck != NULL && ck->config.spec != NULL && ck->dataset != NULL, NULL);
  g_return_val_if_fail (ck->params != NULL && ck->m != NULL && ck->n_params > 0, NULL);
  g_return_val_if_fail (ck->history != NULL || ck->epochs_done == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  c = &ck->config;
#define KV(key, value) (g_ptr_array_add (kv, g_strdup (key)), g_ptr_array_add (kv, (value)))
  KV ("format", g_strdup (CHECKPOINT_FORMAT));
  KV ("version", g_strdup_printf ("%d", NN_CHECKPOINT_VERSION));
  KV ("spec", g_strdup (c->spec));
  KV ("dataset", g_strdup (ck->dataset));
  KV ("n_train_file", g_strdup_printf ("%" G_GUINT64_FORMAT, ck->n_train_file));
  KV ("epochs", g_strdup_printf ("%u", c->epochs));
  KV ("batch_size", g_strdup_printf ("%u", c->batch_size));
  KV ("optimizer", g_strdup (nn_optimizer_kind_to_string (c->optimizer.kind)));
  KV ("learning_rate", format_double (c->optimizer.learning_rate));
  KV ("beta1", format_double (c->optimizer.beta1));
  KV ("beta2", format_double (c->optimizer.beta2));
  KV ("eps", format_double (c->optimizer.eps));
  KV ("momentum", format_double (c->optimizer.momentum));
  KV ("weight_decay", format_double (c->optimizer.weight_decay));
  KV ("rotation_degrees", format_double (c->rotation_degrees));
  nn_train_extras_write_strings (&c->extras, kv);
  KV ("validation_size", g_strdup_printf ("%u", c->validation_size));
  KV ("seed", g_strdup_printf ("%" G_GUINT64_FORMAT, c->seed));
  KV ("progress_every", g_strdup_printf ("%u", c->progress_every));
  KV ("evaluate_test", g_strdup (c->evaluate_test ? "1" : "0"));
  KV ("epochs_done", g_strdup_printf ("%u", ck->epochs_done));
  KV ("step", g_strdup_printf ("%" G_GUINT64_FORMAT, ck->step));
  KV ("rng", g_strdup_printf ("%016" G_GINT64_MODIFIER "x %016" G_GINT64_MODIFIER "x %016"
                              G_GINT64_MODIFIER "x %016" G_GINT64_MODIFIER "x",
                              ck->rng.s[0], ck->rng.s[1], ck->rng.s[2], ck->rng.s[3]));
  KV ("best_epoch", g_strdup_printf ("%u", ck->best_epoch));
  KV ("best_val_accuracy", format_double (ck->best_val_accuracy));
  KV ("best_val_loss", format_double (ck->best_val_loss));
  for (guint i = 0; i < ck->epochs_done; i++)
    {
      const NnEpochStats *s = &ck->history[i];
      char b[8][G_ASCII_DTOSTR_BUF_SIZE];

      g_string_append_printf (history, "%s%u %s %s %s %s %s %s %s %s %d", i > 0 ? ";" : "",
                              s->epoch,
                              g_ascii_dtostr (b[0], sizeof b[0], s->train_loss),
                              g_ascii_dtostr (b[1], sizeof b[1], s->train_accuracy),
                              g_ascii_dtostr (b[2], sizeof b[2], s->val_loss),
                              g_ascii_dtostr (b[3], sizeof b[3], s->val_accuracy),
                              g_ascii_dtostr (b[4], sizeof b[4], s->test_loss),
                              g_ascii_dtostr (b[5], sizeof b[5], s->test_accuracy),
                              g_ascii_dtostr (b[6], sizeof b[6], s->seconds),
                              g_ascii_dtostr (b[7], sizeof b[7], s->samples_per_second),
                              s->is_best ? 1 : 0);
    }
  KV ("history", g_strdup (history->str));
  KV ("n_params", g_strdup_printf ("%zu", ck->n_params));

#define TENSOR(tensor_name, values) \
  (vectors[n_tensors] = (values), \
   tensors[n_tensors++] = (NnTensor) { .name = (char *) (tensor_name), .n_dims = 1, \
                                       .shape = { ck->n_params }, .data = (float *) (values) })
  TENSOR ("params", ck->params);
  TENSOR ("optimizer.m", ck->m);
  if (ck->v != NULL)
    TENSOR ("optimizer.v", ck->v);
  if (ck->best_params != NULL)
    TENSOR ("best_params", ck->best_params);
#undef TENSOR

  KV ("crc32", g_strdup_printf ("%08x", crc_vectors (vectors, n_tensors, ck->n_params)));
#undef KV
  g_ptr_array_add (kv, NULL);

  return nn_safetensors_serialize (tensors, n_tensors, (const char *const *) kv->pdata, error);
}

gboolean
nn_checkpoint_write (const char  *path,
                     GBytes      *bytes,
                     GError     **error)
{
  const char *data;
  gsize size;

  g_return_val_if_fail (path != NULL && bytes != NULL, FALSE);

  if (!nn_file_check_replaceable (path, error))
    return FALSE;
  data = g_bytes_get_data (bytes, &size);
  /* temporary file beside it, fsync, rename: the old file or the new one, never half */
  return g_file_set_contents_full (path, data, size, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

/* ---- reading -------------------------------------------------------------------------- */

void
nn_checkpoint_free (NnCheckpoint *ck)
{
  if (ck == NULL)
    return;
  if (ck->fd >= 0)
    close (ck->fd);
  g_free (ck->config.spec);
  g_free (ck->config.checkpoint_path);
  g_free (ck->dataset);
  g_free (ck->history);
  g_free (ck->path);
  g_free (ck->header);
  nn_safetensors_free (ck->tensors);
  g_free (ck);
}

/* Reads exactly size bytes at offset; a file that shrank meanwhile is corrupt. */
static gboolean
read_at (const NnCheckpoint  *ck,
         guint64              offset,
         void                *buffer,
         size_t               size,
         GError             **error)
{
  size_t done = 0;

  while (done < size)
    {
      ssize_t n = pread (ck->fd, (char *) buffer + done, size - done, (off_t) (offset + done));

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          g_set_error (error, NN_FILE_ERROR, NN_FILE_ERROR_IO, "%s cannot be read: %s",
                       ck->path, g_strerror (saved));
          return FALSE;
        }
      if (n == 0)
        {
          set_error (error, NN_CHECKPOINT_ERROR_CORRUPT, ck->path,
                     "the file became shorter while being read");
          return FALSE;
        }
      done += (size_t) n;
    }
  return TRUE;
}

static const char *
meta_string (const NnJsonNode *meta,
             const char       *key)
{
  const NnJsonNode *node = nn_json_object_get (meta, key);

  return node != NULL && nn_json_node_get_kind (node) == NN_JSON_STRING
           ? nn_json_node_get_string (node) : NULL;
}

static gboolean
missing (const NnCheckpoint  *ck,
         const char          *key,
         GError             **error)
{
  set_error (error, NN_CHECKPOINT_ERROR_BAD_VALUE, ck->path, "“%s” is missing", key);
  return FALSE;
}

static gboolean
meta_u64 (const NnCheckpoint  *ck,
          const NnJsonNode    *meta,
          const char          *key,
          guint64              min,
          guint64              max,
          guint64             *out,
          GError             **error)
{
  const char *s = meta_string (meta, key);

  if (s == NULL)
    return missing (ck, key, error);
  if (!g_ascii_string_to_unsigned (s, 10, min, max, out, NULL))
    {
      set_error (error, NN_CHECKPOINT_ERROR_BAD_VALUE, ck->path,
                 "“%s” is “%.40s”, not a whole number from %" G_GUINT64_FORMAT " to %"
                 G_GUINT64_FORMAT, key, s, min, max);
      return FALSE;
    }
  return TRUE;
}

static gboolean
meta_guint (const NnCheckpoint  *ck,
            const NnJsonNode    *meta,
            const char          *key,
            guint64              min,
            guint64              max,
            guint               *out,
            GError             **error)
{
  guint64 v;

  if (!meta_u64 (ck, meta, key, min, MIN (max, G_MAXUINT), &v, error))
    return FALSE;
  *out = (guint) v;
  return TRUE;
}

/* Any double the writer can print, infinities and NaN included: the caller bounds it. */
static gboolean
meta_double (const NnCheckpoint  *ck,
             const NnJsonNode    *meta,
             const char          *key,
             double              *out,
             GError             **error)
{
  const char *s = meta_string (meta, key);
  char *end = NULL;

  if (s == NULL)
    return missing (ck, key, error);
  *out = g_ascii_strtod (s, &end);
  if (end == s || *end != '\0')
    {
      set_error (error, NN_CHECKPOINT_ERROR_BAD_VALUE, ck->path, "“%s” is “%.40s”, not a number",
                 key, s);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_rng (NnCheckpoint      *ck,
           const NnJsonNode  *meta,
           GError           **error)
{
  const char *s = meta_string (meta, "rng");
  g_auto(GStrv) words = NULL;
  guint64 state[4];

  if (s == NULL)
    return missing (ck, "rng", error);
  words = g_strsplit (s, " ", -1);
  if (g_strv_length (words) != 4)
    {
      set_error (error, NN_CHECKPOINT_ERROR_BAD_VALUE, ck->path,
                 "the random number state is not four words");
      return FALSE;
    }
  for (int i = 0; i < 4; i++)
    if (strlen (words[i]) != 16 ||
        !g_ascii_string_to_unsigned (words[i], 16, 0, G_MAXUINT64, &state[i], NULL))
      {
        set_error (error, NN_CHECKPOINT_ERROR_BAD_VALUE, ck->path,
                   "the random number state is not four 16-digit hexadecimal words");
        return FALSE;
      }
  /* the all-zero state would draw zeros forever: no run makes it */
  if (!nn_rng_set_state (&ck->rng, state))
    {
      set_error (error, NN_CHECKPOINT_ERROR_BAD_VALUE, ck->path,
                 "the random number state is all zero, which no training makes");
      return FALSE;
    }
  return TRUE;
}

static gboolean
is_fraction (double v)
{
  return v >= 0 && v <= 1;
}

static gboolean
is_size (double v)
{
  return isfinite (v) && v >= 0;
}

/* An evaluation's loss: the training run's own checks keep the training loss finite, but weights
 * that overflow on held-out images alone give an infinite or NaN loss there, and the epoch is
 * still recorded. Never negative. */
static gboolean
is_evaluation_loss (double v)
{
  return !(v < 0);
}

static gboolean
same_double (double a,
             double b)
{
  return a == b || (isnan (a) && isnan (b));
}

/* Validation figures exist when the validation images are held out; trained on, they are NaN
 * (checkpoints written before that rule hold the figures of images trained on). */
static gboolean
is_validation_figures (const NnCheckpoint *ck,
                       double              loss,
                       double              accuracy)
{
  if (ck->config.extras.train_on_all && isnan (loss) && isnan (accuracy))
    return TRUE;
  return is_evaluation_loss (loss) && is_fraction (accuracy);
}

/* epochs_done rows "epoch train_loss train_acc val_loss val_acc test_loss test_acc seconds
 * images_per_second is_best", separated by ';'; test values are NaN when not measured, validation
 * ones when the validation images were trained on. */
static gboolean
parse_history (NnCheckpoint      *ck,
               const NnJsonNode  *meta,
               GError           **error)
{
  const char *s = meta_string (meta, "history");
  g_auto(GStrv) rows = NULL;
  guint n_rows;

  if (s == NULL)
    return missing (ck, "history", error);
  rows = s[0] != '\0' ? g_strsplit (s, ";", -1) : g_new0 (char *, 1);
  n_rows = g_strv_length (rows);
  if (n_rows != ck->epochs_done)
    {
      set_error (error, NN_CHECKPOINT_ERROR_BAD_VALUE, ck->path,
                 "the history has %u epochs, not the %u done", n_rows, ck->epochs_done);
      return FALSE;
    }
  ck->history = g_new0 (NnEpochStats, MAX (n_rows, 1));
  for (guint i = 0; i < n_rows; i++)
    {
      NnEpochStats *e = &ck->history[i];
      double v[HISTORY_FIELDS];
      const char *p = rows[i];
      int k;

      for (k = 0; k < HISTORY_FIELDS; k++)
        {
          char *end;

          v[k] = g_ascii_strtod (p, &end);
          if (end == p)
            break;
          p = end;
        }
      if (k != HISTORY_FIELDS || *p != '\0' || v[0] != i + 1 ||
          !is_size (v[1]) || !is_fraction (v[2]) ||
          !is_validation_figures (ck, v[3], v[4]) ||
          !is_evaluation_loss (v[5]) || (!isnan (v[6]) && !is_fraction (v[6])) ||
          !is_size (v[7]) || !is_size (v[8]) || (v[9] != 0 && v[9] != 1))
        {
          set_error (error, NN_CHECKPOINT_ERROR_BAD_VALUE, ck->path,
                     "epoch %u of the history is invalid", i + 1);
          return FALSE;
        }
      *e = (NnEpochStats) {
        .epoch = i + 1,
        .train_loss = v[1],
        .train_accuracy = v[2],
        .val_loss = ck->config.extras.train_on_all ? NAN : v[3],
        .val_accuracy = ck->config.extras.train_on_all ? NAN : v[4],
        .test_loss = v[5],
        .test_accuracy = v[6],
        .seconds = v[7],
        .samples_per_second = v[8],
        .is_best = v[9] != 0,
      };
    }
  return TRUE;
}

/* The recipe: the same bounds as a new training's, and a spec that parses. */
static gboolean
parse_config (NnCheckpoint      *ck,
              const NnJsonNode  *meta,
              GError           **error)
{
  NnTrainConfig *c = &ck->config;
  g_autoptr(NnSpec) spec = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *s;
  guint evaluate_test;
  double rotation;

  s = meta_string (meta, "spec");
  if (s == NULL)
    return missing (ck, "spec", error);
  spec = nn_spec_parse (s, &local_error);
  if (spec == NULL)
    {
      set_error (error, NN_CHECKPOINT_ERROR_BAD_VALUE, ck->path, "its architecture is invalid: %s",
                 local_error->message);
      return FALSE;
    }
  c->spec = g_strdup (s);
  s = meta_string (meta, "optimizer");
  if (s == NULL)
    return missing (ck, "optimizer", error);
  if (!nn_optimizer_kind_from_string (s, &c->optimizer.kind))
    {
      set_error (error, NN_CHECKPOINT_ERROR_BAD_VALUE, ck->path, "the optimiser “%.40s” is unknown",
                 s);
      return FALSE;
    }
  s = meta_string (meta, "dataset");
  if (s == NULL)
    return missing (ck, "dataset", error);
  ck->dataset = g_strdup (s);

  if (!meta_u64 (ck, meta, "n_train_file", 0, G_MAXUINT32, &ck->n_train_file, error) ||
      !meta_guint (ck, meta, "epochs", 0, G_MAXUINT, &c->epochs, error) ||
      !meta_guint (ck, meta, "batch_size", 0, G_MAXUINT, &c->batch_size, error) ||
      !meta_guint (ck, meta, "validation_size", 0, G_MAXUINT, &c->validation_size, error) ||
      !meta_guint (ck, meta, "progress_every", 1, G_MAXUINT, &c->progress_every, error) ||
      !meta_guint (ck, meta, "evaluate_test", 0, 1, &evaluate_test, error) ||
      !meta_u64 (ck, meta, "seed", 0, G_MAXUINT64, &c->seed, error) ||
      !meta_double (ck, meta, "learning_rate", &c->optimizer.learning_rate, error) ||
      !meta_double (ck, meta, "beta1", &c->optimizer.beta1, error) ||
      !meta_double (ck, meta, "beta2", &c->optimizer.beta2, error) ||
      !meta_double (ck, meta, "eps", &c->optimizer.eps, error) ||
      !meta_double (ck, meta, "momentum", &c->optimizer.momentum, error) ||
      !meta_double (ck, meta, "weight_decay", &c->optimizer.weight_decay, error) ||
      !meta_double (ck, meta, "rotation_degrees", &rotation, error))
    return FALSE;
  c->evaluate_test = evaluate_test != 0;
  c->rotation_degrees = (float) rotation;
  if (isfinite (rotation) && (double) c->rotation_degrees != rotation)
    {
      set_error (error, NN_CHECKPOINT_ERROR_BAD_VALUE, ck->path,
                 "the rotation range is not a single-precision number");
      return FALSE;
    }
  /* a file from before these keys trains as it did then */
  nn_train_extras_init (&c->extras);
  if (!nn_train_extras_read_json (&c->extras, meta, TRUE, &local_error))
    {
      set_error (error, NN_CHECKPOINT_ERROR_BAD_VALUE, ck->path, "%s", local_error->message);
      return FALSE;
    }
  if (!nn_train_config_check (c, ck->n_train_file, &local_error))
    {
      set_error (error, NN_CHECKPOINT_ERROR_BAD_VALUE, ck->path, "its recipe is invalid: %s",
                 local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* The counters at the epoch's end agree with each other and with the history. */
static gboolean
parse_state (NnCheckpoint      *ck,
             const NnJsonNode  *meta,
             GError           **error)
{
  guint64 steps;

  if (!meta_guint (ck, meta, "epochs_done", 0, ck->config.epochs, &ck->epochs_done, error) ||
      !meta_u64 (ck, meta, "step", 0, G_MAXUINT64, &ck->step, error) ||
      !meta_guint (ck, meta, "best_epoch", 0, ck->epochs_done, &ck->best_epoch, error) ||
      !meta_double (ck, meta, "best_val_accuracy", &ck->best_val_accuracy, error) ||
      !meta_double (ck, meta, "best_val_loss", &ck->best_val_loss, error) ||
      !parse_rng (ck, meta, error) ||
      !parse_history (ck, meta, error))
    return FALSE;

  /* one optimiser step per batch, and checkpoints only at an epoch's end */
  steps = (guint64) ck->epochs_done * nn_checkpoint_batches_per_epoch (ck);
  if (ck->step != steps)
    {
      set_error (error, NN_CHECKPOINT_ERROR_BAD_VALUE, ck->path,
                 "the step count %" G_GUINT64_FORMAT " is not that of %u epochs (%"
                 G_GUINT64_FORMAT ")", ck->step, ck->epochs_done, steps);
      return FALSE;
    }
  if (ck->epochs_done == 0)
    {
      if (ck->best_val_accuracy != -1 || ck->best_val_loss != INFINITY)
        {
          set_error (error, NN_CHECKPOINT_ERROR_BAD_VALUE, ck->path,
                     "a best epoch is recorded before any epoch ended");
          return FALSE;
        }
      return TRUE;
    }
  if (ck->config.extras.train_on_all)
    ck->best_val_accuracy = ck->best_val_loss = NAN;
  if (ck->best_epoch == 0 || !ck->history[ck->best_epoch - 1].is_best ||
      !same_double (ck->history[ck->best_epoch - 1].val_accuracy, ck->best_val_accuracy) ||
      !same_double (ck->history[ck->best_epoch - 1].val_loss, ck->best_val_loss))
    {
      set_error (error, NN_CHECKPOINT_ERROR_BAD_VALUE, ck->path,
                 "the best epoch %u does not agree with the history", ck->best_epoch);
      return FALSE;
    }
  for (guint e = ck->best_epoch; e < ck->epochs_done; e++)
    if (ck->history[e].is_best)
      {
        set_error (error, NN_CHECKPOINT_ERROR_BAD_VALUE, ck->path,
                   "the history marks epoch %u best after the best epoch %u", e + 1,
                   ck->best_epoch);
        return FALSE;
      }
  return TRUE;
}

static const char *
tensor_name (const NnCheckpoint *ck,
             guint               i)
{
  const char *names[] = { "params", "optimizer.m", "optimizer.v", "best_params" };
  guint k = 0;

  for (guint j = 0; j < G_N_ELEMENTS (names); j++)
    {
      if (j == 2 && !nn_optimizer_kind_has_second_moment (ck->config.optimizer.kind))
        continue;
      if (j == 3 && ck->epochs_done == 0)
        continue;
      if (k++ == i)
        return names[j];
    }
  return NULL;
}

/* Exactly the tensors the state needs, each (n_params) F32, filling the rest of the file. */
static gboolean
check_layout (NnCheckpoint      *ck,
              const NnJsonNode  *root,
              const NnJsonNode  *meta,
              GError           **error)
{
  guint n_expected = 0;
  guint64 n_params, expected_size;

  if (!meta_u64 (ck, meta, "n_params", 1, NN_FILE_MAX_CHECKPOINT / sizeof (float), &n_params,
                 error))
    return FALSE;
  ck->n_params = (size_t) n_params;
  while (tensor_name (ck, n_expected) != NULL)
    n_expected++;
  if (nn_json_object_get_size (root) != n_expected + 1)
    {
      set_error (error, NN_CHECKPOINT_ERROR_CORRUPT, ck->path,
                 "it holds %zu tensors where its state needs %u",
                 nn_json_object_get_size (root) - 1, n_expected);
      return FALSE;
    }
  for (guint i = 0; i < n_expected; i++)
    {
      const char *name = tensor_name (ck, i);
      const NnJsonNode *entry = nn_json_object_get (root, name);
      const NnJsonNode *dtype = entry != NULL ? nn_json_object_get (entry, "dtype") : NULL;
      const NnJsonNode *shape = entry != NULL ? nn_json_object_get (entry, "shape") : NULL;
      const NnJsonNode *dim;

      if (entry == NULL || nn_json_node_get_kind (entry) != NN_JSON_OBJECT ||
          dtype == NULL || nn_json_node_get_kind (dtype) != NN_JSON_STRING ||
          strcmp (nn_json_node_get_string (dtype), "F32") != 0 ||
          shape == NULL || nn_json_node_get_kind (shape) != NN_JSON_ARRAY ||
          nn_json_array_get_length (shape) != 1 ||
          (dim = nn_json_array_get_element (shape, 0)) == NULL ||
          nn_json_node_get_kind (dim) != NN_JSON_NUMBER ||
          nn_json_node_get_number (dim) != (double) n_params)
        {
          set_error (error, NN_CHECKPOINT_ERROR_CORRUPT, ck->path,
                     "tensor “%s” is missing or is not %" G_GUINT64_FORMAT " F32 values", name,
                     n_params);
          return FALSE;
        }
    }
  expected_size = 8 + ck->header_len + (guint64) n_expected * n_params * sizeof (float);
  if (ck->file_size != expected_size)
    {
      set_error (error, NN_CHECKPOINT_ERROR_CORRUPT, ck->path,
                 "the file has %" G_GSIZE_FORMAT " bytes where its header announces %"
                 G_GUINT64_FORMAT " (%s)", ck->file_size, expected_size,
                 ck->file_size < expected_size ? "truncated" : "something was appended");
      return FALSE;
    }
  return TRUE;
}

NnCheckpoint *
nn_checkpoint_open (const char  *path,
                    GError     **error)
{
  g_autoptr(NnCheckpoint) ck = NULL;
  g_autoptr(NnJsonNode) root = NULL;
  g_autoptr(GError) json_error = NULL;
  const NnJsonNode *meta;
  const char *format, *version;
  guint8 len_bytes[8];

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  ck = g_new0 (NnCheckpoint, 1);
  ck->path = g_strdup (path);
  ck->fd = nn_file_open_regular (path, NN_FILE_MAX_CHECKPOINT, &ck->file_size, error);
  if (ck->fd < 0)
    return NULL;

  if (ck->file_size < 8)
    {
      set_error (error, NN_CHECKPOINT_ERROR_CORRUPT, path,
                 "%" G_GSIZE_FORMAT " bytes are too short for a checkpoint", ck->file_size);
      return NULL;
    }
  if (!read_at (ck, 0, len_bytes, 8, error))
    return NULL;
  for (int b = 7; b >= 0; b--)
    ck->header_len = (ck->header_len << 8) | len_bytes[b];
  if (ck->header_len < 2 || ck->header_len > MAX_HEADER)
    {
      set_error (error, NN_CHECKPOINT_ERROR_NOT_CHECKPOINT, path,
                 "not a Digit Lab checkpoint (its first 8 bytes are no safetensors header "
                 "length)");
      return NULL;
    }
  if (ck->header_len > ck->file_size - 8)
    {
      set_error (error, NN_CHECKPOINT_ERROR_CORRUPT, path,
                 "truncated: the header needs %" G_GUINT64_FORMAT " bytes but %" G_GSIZE_FORMAT
                 " follow the length", ck->header_len, ck->file_size - 8);
      return NULL;
    }
  ck->header = g_malloc (ck->header_len);
  if (!read_at (ck, 8, ck->header, ck->header_len, error))
    return NULL;

  root = nn_json_parse (ck->header, ck->header_len, &json_error);
  if (root == NULL || nn_json_node_get_kind (root) != NN_JSON_OBJECT)
    {
      set_error (error, NN_CHECKPOINT_ERROR_NOT_CHECKPOINT, path,
                 "not a Digit Lab checkpoint (its header is not a JSON object%s%s)",
                 json_error != NULL ? ": " : "", json_error != NULL ? json_error->message : "");
      return NULL;
    }
  meta = nn_json_object_get (root, "__metadata__");
  format = meta != NULL && nn_json_node_get_kind (meta) == NN_JSON_OBJECT
             ? meta_string (meta, "format") : NULL;
  if (g_strcmp0 (format, CHECKPOINT_FORMAT) != 0)
    {
      set_error (error, NN_CHECKPOINT_ERROR_NOT_CHECKPOINT, path,
                 "a safetensors file but not a Digit Lab training checkpoint (a model's "
                 "weights?)");
      return NULL;
    }
  version = meta_string (meta, "version");
  if (g_strcmp0 (version, "1") == 0)
    {
      set_error (error, NN_CHECKPOINT_ERROR_VERSION, path,
                 "written by an older Digit Lab (checkpoint version 1), whose checkpoints could "
                 "hold the middle of an epoch and cannot be resumed exactly; train again");
      return NULL;
    }
  if (g_strcmp0 (version, G_STRINGIFY (NN_CHECKPOINT_VERSION)) != 0)
    {
      set_error (error, NN_CHECKPOINT_ERROR_VERSION, path,
                 "checkpoint version “%.20s”, which this Digit Lab does not read (it reads "
                 "version %d)", version != NULL ? version : "none", NN_CHECKPOINT_VERSION);
      return NULL;
    }

  if (!parse_config (ck, meta, error) || !parse_state (ck, meta, error) ||
      !check_layout (ck, root, meta, error))
    return NULL;
  return g_steal_pointer (&ck);
}

static gboolean
check_finite (const NnCheckpoint  *ck,
              const char          *name,
              const float         *values,
              gboolean             non_negative,
              GError             **error)
{
  for (size_t i = 0; i < ck->n_params; i++)
    if (!isfinite (values[i]) || (non_negative && values[i] < 0))
      {
        set_error (error, NN_CHECKPOINT_ERROR_BAD_VALUE, ck->path,
                   "“%s” holds %g at %zu, which training never gives", name, values[i], i);
        return FALSE;
      }
  return TRUE;
}

gboolean
nn_checkpoint_read_vectors (NnCheckpoint  *ck,
                            size_t         n_params,
                            GError       **error)
{
  g_autofree guint8 *data = NULL;
  g_autoptr(NnSafetensors) st = NULL;
  g_autoptr(GError) local_error = NULL;
  const NnTensor *tensors[4] = { NULL };
  const float *vectors[4];
  const char *crc_text;
  guint64 crc;
  guint n_tensors = 0;

  g_return_val_if_fail (ck != NULL && ck->fd >= 0 && ck->tensors == NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (ck->n_params != n_params)
    {
      set_error (error, NN_CHECKPOINT_ERROR_MISMATCH, ck->path,
                 "it holds %zu parameters but the network has %zu", ck->n_params, n_params);
      return FALSE;
    }

  /* the size matches what the checked header announces, so this is bounded by the network */
  data = g_try_malloc (ck->file_size);
  if (data == NULL)
    {
      g_set_error (error, NN_FILE_ERROR, NN_FILE_ERROR_TOO_LARGE,
                   "%s: not enough memory to read %" G_GSIZE_FORMAT " bytes", ck->path,
                   ck->file_size);
      return FALSE;
    }
  if (!read_at (ck, 0, data, ck->file_size, error))
    return FALSE;
  if (memcmp (data + 8, ck->header, ck->header_len) != 0)
    {
      set_error (error, NN_CHECKPOINT_ERROR_CORRUPT, ck->path,
                 "the file changed while being read");
      return FALSE;
    }
  st = nn_safetensors_load_from_bytes (data, ck->file_size, &local_error);
  if (st == NULL)
    {
      set_error (error, NN_CHECKPOINT_ERROR_CORRUPT, ck->path, "%s", local_error->message);
      return FALSE;
    }

  crc_text = nn_safetensors_get_metadata (st, "crc32");
  if (crc_text == NULL || strlen (crc_text) != 8 ||
      !g_ascii_string_to_unsigned (crc_text, 16, 0, G_MAXUINT32, &crc, NULL))
    {
      set_error (error, NN_CHECKPOINT_ERROR_CORRUPT, ck->path, "its checksum is missing");
      return FALSE;
    }
  for (const char *name; (name = tensor_name (ck, n_tensors)) != NULL; n_tensors++)
    {
      tensors[n_tensors] = nn_safetensors_lookup (st, name);
      if (tensors[n_tensors] == NULL || tensors[n_tensors]->n_dims != 1 ||
          tensors[n_tensors]->shape[0] != n_params)
        {
          set_error (error, NN_CHECKPOINT_ERROR_CORRUPT, ck->path,
                     "tensor “%s” is missing or misshapen", name);
          return FALSE;
        }
      vectors[n_tensors] = tensors[n_tensors]->data;
    }
  /* hashed in the order the writer hashed them, whatever order the data section has */
  if (crc_vectors (vectors, n_tensors, n_params) != (guint32) crc)
    {
      set_error (error, NN_CHECKPOINT_ERROR_CORRUPT, ck->path,
                 "the checksum does not match: the weights were damaged");
      return FALSE;
    }
  for (guint i = 0; i < n_tensors; i++)
    if (!check_finite (ck, tensors[i]->name, tensors[i]->data,
                       strcmp (tensors[i]->name, "optimizer.v") == 0, error))
      return FALSE;

  ck->params = nn_safetensors_lookup (st, "params")->data;
  ck->m = nn_safetensors_lookup (st, "optimizer.m")->data;
  ck->v = nn_optimizer_kind_has_second_moment (ck->config.optimizer.kind)
            ? nn_safetensors_lookup (st, "optimizer.v")->data : NULL;
  ck->best_params = ck->epochs_done > 0 ? nn_safetensors_lookup (st, "best_params")->data : NULL;
  ck->tensors = g_steal_pointer (&st);
  close (ck->fd);
  ck->fd = -1;
  return TRUE;
}
