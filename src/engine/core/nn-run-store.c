/* nn-run-store.c: run folders — recording epochs as they end, listing, reading, moving, export */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "nn-run-store.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "nn-checkpoint.h"
#include "nn-file.h"
#include "nn-gemm.h"
#include "nn-json.h"
#include "nn-model.h"
#include "nn-spec.h"

G_DEFINE_QUARK (nn-run-error-quark, nn_run_error)

#define RUN_FORMAT        "digit-lab-run"
#define CURVES_FORMAT     "digit-lab-curves"
#define ID_LENGTH         20            /* YYYYMMDD-HHMMSS-xxxx */
#define MAX_SPEC_TEXT     4096
#define MAX_SHORT_TEXT    4096          /* messages, folders, versions, kernels */
#define MAX_TREE_DEPTH    16            /* folders below a run's, for sizes and removal */

struct _NnRunStore
{
  char *dir;
};

/* The in-memory curve: NN_RUN_MAX_CURVE_POINTS points, merged in pairs when full. */
typedef struct
{
  NnRunCurvePoint *points;          /* (NN_RUN_MAX_CURVE_POINTS) */
  size_t           n_points;
  guint64          span;
  guint64          step;            /* batches recorded */
} Curve;

struct _NnRunRecorder
{
  char     *dir;
  char     *checkpoint_path;
  int       lock_fd;
  NnRun    *run;                    /* what run.json says, kept current */
  Curve     curve;
  Curve     committed;              /* the curve at the last epoch's end: a stopped epoch's
                                     * batches are dropped when the trainer runs it again */
  double    base_seconds;           /* run seconds before this session */
  gint64    session_start;          /* monotonic µs; 0 while not running */
};

static const char *const status_names[] = {
  [NN_RUN_STATUS_RUNNING] = "running",
  [NN_RUN_STATUS_FINISHED] = "finished",
  [NN_RUN_STATUS_STOPPED] = "stopped",
  [NN_RUN_STATUS_INTERRUPTED] = "interrupted",
  [NN_RUN_STATUS_FAILED] = "failed",
  [NN_RUN_STATUS_DAMAGED] = "damaged",
};

const char *
nn_run_status_to_string (NnRunStatus status)
{
  g_return_val_if_fail ((guint) status < G_N_ELEMENTS (status_names), "damaged");
  return status_names[status];
}

static gboolean
io_error (GError    **error,
          int         saved_errno,
          const char *format,
          const char *path)
{
  g_set_error (error, NN_RUN_ERROR, NN_RUN_ERROR_IO, "%s %s: %s", format, path,
               g_strerror (saved_errno));
  return FALSE;
}

/* ---- ids and the store ----------------------------------------------------------------- */

gboolean
nn_run_id_is_valid (const char *text)
{
  if (text == NULL || strlen (text) != ID_LENGTH)
    return FALSE;
  for (int i = 0; i < ID_LENGTH; i++)
    {
      char c = text[i];

      if (i == 8 || i == 15)
        {
          if (c != '-')
            return FALSE;
        }
      else if (i > 15 ? !g_ascii_isxdigit (c) || g_ascii_isupper (c) : !g_ascii_isdigit (c))
        return FALSE;
    }
  return TRUE;
}

/* The start time an id was made from (UTC), 0 when it does not read as a date. */
static gint64
id_time (const char *id)
{
  int v[6] = { 0 };
  const int at[6][2] = { { 0, 4 }, { 4, 2 }, { 6, 2 }, { 9, 2 }, { 11, 2 }, { 13, 2 } };
  g_autoptr(GDateTime) dt = NULL;

  for (int i = 0; i < 6; i++)
    for (int k = 0; k < at[i][1]; k++)
      v[i] = v[i] * 10 + (id[at[i][0] + k] - '0');
  if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 59)
    return 0;
  dt = g_date_time_new_utc (v[0], v[1], v[2], v[3], v[4], v[5]);
  return dt != NULL ? g_date_time_to_unix (dt) : 0;
}

char *
nn_run_store_dup_default_dir (void)
{
  const char *env = g_getenv ("DIGIT_LAB_RUNS_DIR");

  if (env != NULL && env[0] != '\0')
    return g_strdup (env);
  return g_build_filename (g_get_user_data_dir (), "digit-lab", "runs", NULL);
}

NnRunStore *
nn_run_store_new (const char  *dir,
                  GError     **error)
{
  g_autofree char *path = dir != NULL ? g_strdup (dir) : nn_run_store_dup_default_dir ();
  NnRunStore *store;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_mkdir_with_parents (path, 0700) != 0)
    {
      io_error (error, errno, "Cannot make the run store", path);
      return NULL;
    }
  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, NN_RUN_ERROR, NN_RUN_ERROR_IO, "The run store %s is not a folder",
                   path);
      return NULL;
    }
  store = g_new0 (NnRunStore, 1);
  store->dir = g_steal_pointer (&path);
  return store;
}

void
nn_run_store_free (NnRunStore *store)
{
  if (store == NULL)
    return;
  g_free (store->dir);
  g_free (store);
}

const char *
nn_run_store_get_dir (const NnRunStore *store)
{
  g_return_val_if_fail (store != NULL, NULL);
  return store->dir;
}

static gboolean
check_id (const char  *id,
          GError     **error)
{
  if (nn_run_id_is_valid (id))
    return TRUE;
  g_set_error (error, NN_RUN_ERROR, NN_RUN_ERROR_NOT_FOUND, "“%s” is not a run id",
               id != NULL && g_utf8_validate (id, -1, NULL) && strlen (id) < 64 ? id : "?");
  return FALSE;
}

/* ---- locks ------------------------------------------------------------------------------
 *
 * The recording process holds an exclusive flock on the run's lock file. flock locks belong to
 * an open file: another open of the same file, even in the same process (the app listing the
 * run it records), conflicts, and the kernel drops the lock when the process dies. */

/* Whether a live process records the run in dir. */
static gboolean
run_is_locked (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, NN_RUN_LOCK_FILE, NULL);
  int fd = open (path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  struct stat info;
  gboolean locked = FALSE;

  if (fd < 0)
    return FALSE;
  if (fstat (fd, &info) == 0 && S_ISREG (info.st_mode) && flock (fd, LOCK_SH | LOCK_NB) != 0)
    locked = errno == EWOULDBLOCK;
  close (fd);
  return locked;
}

/* Takes the run's lock (making the file): the descriptor, or -1 with BUSY when a live process
 * holds it, or IO when the lock file cannot be had (a link, a FIFO, a folder). */
static int
take_lock (const char  *dir,
           GError     **error)
{
  g_autofree char *path = g_build_filename (dir, NN_RUN_LOCK_FILE, NULL);
  int fd = open (path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0644);
  struct stat info;

  if (fd < 0)
    {
      io_error (error, errno, "Cannot open the lock", path);
      return -1;
    }
  if (fstat (fd, &info) != 0 || !S_ISREG (info.st_mode))
    {
      close (fd);
      g_set_error (error, NN_RUN_ERROR, NN_RUN_ERROR_IO, "The lock %s is not a regular file",
                   path);
      return -1;
    }
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      int saved = errno;

      close (fd);
      if (saved == EWOULDBLOCK)
        g_set_error (error, NN_RUN_ERROR, NN_RUN_ERROR_BUSY,
                     "The run %s is being recorded by a running program", dir);
      else
        io_error (error, saved, "Cannot lock", path);
      return -1;
    }
  return fd;
}

static void
release_lock (int fd)
{
  if (fd >= 0)
    close (fd);
}

/* ---- files ------------------------------------------------------------------------------ */

static gboolean
sync_dir (const char  *dir,
          GError     **error)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0 || fsync (fd) != 0)
    {
      int saved = errno;

      if (fd >= 0)
        close (fd);
      /* some file systems cannot sync a folder; the file in it is synced already */
      if (saved == EINVAL || saved == ENOTSUP)
        return TRUE;
      return io_error (error, saved, "Cannot sync the folder", dir);
    }
  close (fd);
  return TRUE;
}

/* Replaces dir/name with text: a temporary file, synced, renamed over it, the folder synced. */
static gboolean
write_atomic (const char  *dir,
              const char  *name,
              const char  *text,
              gsize        length,
              GError     **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) local = NULL;

  if (!nn_file_check_replaceable (path, &local) ||
      !g_file_set_contents_full (path, text, (gssize) length,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0644, &local))
    {
      g_set_error (error, NN_RUN_ERROR, NN_RUN_ERROR_IO, "%s", local->message);
      return FALSE;
    }
  return sync_dir (dir, error);
}

/* A file of the run folder that must be a regular file (no link, FIFO or device): its text. */
static gboolean
read_run_file (const char  *dir,
               const char  *name,
               gsize        max_size,
               char       **contents,
               gsize       *length,
               GError     **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) local = NULL;
  GStatBuf info;

  if (g_lstat (path, &info) != 0)
    {
      int saved = errno;

      g_set_error (error, NN_RUN_ERROR, saved == ENOENT ? NN_RUN_ERROR_NOT_FOUND
                                                        : NN_RUN_ERROR_DAMAGED,
                   "%s: %s", name, g_strerror (saved));
      return FALSE;
    }
  if (S_ISLNK (info.st_mode))
    {
      g_set_error (error, NN_RUN_ERROR, NN_RUN_ERROR_DAMAGED, "%s is a symbolic link", name);
      return FALSE;
    }
  if (!nn_file_read (path, max_size, contents, length, &local))
    {
      g_set_error (error, NN_RUN_ERROR, NN_RUN_ERROR_DAMAGED, "%s", local->message);
      return FALSE;
    }
  return TRUE;
}

static guint64
tree_usage (const char *path,
            int         depth)
{
  GStatBuf info;
  guint64 total;

  if (g_lstat (path, &info) != 0)
    return 0;
  total = (guint64) info.st_blocks * 512;
  if (S_ISDIR (info.st_mode) && depth < MAX_TREE_DEPTH)
    {
      g_autoptr(GDir) d = g_dir_open (path, 0, NULL);
      const char *name;

      while (d != NULL && (name = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          total += tree_usage (child, depth + 1);
        }
    }
  return total;
}

/* Removes path and everything below it, never following a link. */
static gboolean
remove_tree (const char  *path,
             int          depth,
             GError     **error)
{
  GStatBuf info;

  if (g_lstat (path, &info) != 0)
    return errno == ENOENT ? TRUE : io_error (error, errno, "Cannot remove", path);
  if (S_ISDIR (info.st_mode))
    {
      g_autoptr(GDir) d = NULL;
      const char *name;

      if (depth >= MAX_TREE_DEPTH)
        {
          g_set_error (error, NN_RUN_ERROR, NN_RUN_ERROR_IO, "Cannot remove %s: folders nested "
                       "too deep", path);
          return FALSE;
        }
      d = g_dir_open (path, 0, NULL);
      while (d != NULL && (name = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (!remove_tree (child, depth + 1, error))
            return FALSE;
        }
      if (g_rmdir (path) != 0)
        return io_error (error, errno, "Cannot remove", path);
      return TRUE;
    }
  if (g_unlink (path) != 0)
    return io_error (error, errno, "Cannot remove", path);
  return TRUE;
}

/* ---- writing run.json ------------------------------------------------------------------ */

/* A string member, null when value is NULL; names need not be UTF-8, JSON must be. */
static void
put_string (NnJsonWriter *w,
            const char   *name,
            const char   *value)
{
  nn_json_write_key (w, name);
  if (value == NULL)
    nn_json_write_null (w);
  else
    {
      g_autofree char *valid = g_utf8_make_valid (value, -1);

      nn_json_write_string (w, valid);
    }
}

static void
put_uint (NnJsonWriter *w,
          const char   *name,
          guint64       value)
{
  nn_json_write_key (w, name);
  nn_json_write_uint (w, value);
}

static void
put_double (NnJsonWriter *w,
            const char   *name,
            double        value)
{
  nn_json_write_key (w, name);
  nn_json_write_double (w, value);
}

static void
put_bool (NnJsonWriter *w,
          const char   *name,
          gboolean      value)
{
  nn_json_write_key (w, name);
  nn_json_write_bool (w, value);
}

/* the points, one a line indented by indent spaces: [step,images,seconds,count,min,mean,max] */
static void
put_points (NnJsonWriter          *w,
            const NnRunCurvePoint *points,
            size_t                 n_points,
            guint                  indent)
{
  nn_json_write_key (w, "points");
  nn_json_write_begin_rows (w, indent);
  for (size_t i = 0; i < n_points; i++)
    {
      const NnRunCurvePoint *p = &points[i];

      nn_json_write_begin_array (w, NN_JSON_INLINE);
      nn_json_write_uint (w, p->step);
      nn_json_write_uint (w, p->images);
      nn_json_write_double (w, p->seconds);
      nn_json_write_uint (w, p->count);
      nn_json_write_double (w, p->min);
      nn_json_write_double (w, p->mean);
      nn_json_write_double (w, p->max);
      nn_json_write_end_array (w);
    }
  nn_json_write_end_array (w);
}

/* One member a line at the top, each epoch on a line of its own, the rest inline and compact. */
static void
append_run_json (GString           *s,
                 const NnRun       *run,
                 const NnRunCurves *curves)
{
  const NnTrainConfig *c = &run->recipe;
  static const char *const sha_keys[4] = {
    "train_images", "train_labels", "test_images", "test_labels",
  };
  g_autofree char *seed = g_strdup_printf ("%" G_GUINT64_FORMAT, c->seed);
  NnJsonWriter writer, *w = &writer;

  nn_json_writer_init (w, s, TRUE);
  nn_json_write_begin_object (w, NN_JSON_LINES);
  put_string (w, "format", RUN_FORMAT);
  put_uint (w, "version", NN_RUN_FORMAT_VERSION);
  put_string (w, "id", run->id);
  put_string (w, "name", run->name);
  put_string (w, "status", nn_run_status_to_string (run->status));
  put_string (w, "error", run->problem);
  put_string (w, "started", run->started_iso);
  put_string (w, "ended", run->ended_iso);
  put_double (w, "duration", run->duration);
  put_string (w, "engine_version", run->engine_version);
  put_uint (w, "resumes", run->n_resumes);

  nn_json_write_key (w, "recipe");
  nn_json_write_begin_object (w, NN_JSON_INLINE);
  put_string (w, "spec", c->spec);
  put_uint (w, "epochs", c->epochs);
  put_uint (w, "batch_size", c->batch_size);
  put_string (w, "optimizer", nn_optimizer_kind_to_string (c->optimizer.kind));
  put_double (w, "learning_rate", c->optimizer.learning_rate);
  put_double (w, "beta1", c->optimizer.beta1);
  put_double (w, "beta2", c->optimizer.beta2);
  put_double (w, "eps", c->optimizer.eps);
  put_double (w, "momentum", c->optimizer.momentum);
  put_double (w, "weight_decay", c->optimizer.weight_decay);
  put_double (w, "rotation_degrees", c->rotation_degrees);
  nn_train_extras_write_json (&c->extras, w);
  put_uint (w, "validation_size", c->validation_size);
  put_string (w, "seed", seed);
  put_uint (w, "threads", c->n_threads);
  put_bool (w, "evaluate_test", c->evaluate_test);
  nn_json_write_end_object (w);
  put_uint (w, "threads", run->threads);
  put_string (w, "kernel", run->kernel);

  nn_json_write_key (w, "dataset");
  nn_json_write_begin_object (w, NN_JSON_INLINE);
  put_string (w, "name", run->dataset_name);
  put_string (w, "dir", run->dataset_dir);
  put_uint (w, "n_train_file", run->n_train_file);
  put_uint (w, "n_test", run->n_test);
  put_uint (w, "rows", run->rows);
  put_uint (w, "cols", run->cols);
  put_uint (w, "n_classes", run->n_classes);
  nn_json_write_key (w, "sha256");
  nn_json_write_begin_object (w, NN_JSON_INLINE);
  for (int i = 0; i < 4; i++)
    put_string (w, sha_keys[i], run->dataset_sha256[i] != NULL ? run->dataset_sha256[i] : "");
  nn_json_write_end_object (w);
  nn_json_write_end_object (w);
  put_uint (w, "n_params", run->n_params);
  put_uint (w, "n_train", run->n_train);

  nn_json_write_key (w, "epochs");
  nn_json_write_begin_rows (w, 4);
  for (guint i = 0; i < run->n_epochs; i++)
    {
      const NnRunEpoch *e = &run->epochs[i];

      nn_json_write_begin_object (w, NN_JSON_INLINE);
      put_uint (w, "epoch", e->stats.epoch);
      put_double (w, "train_loss", e->stats.train_loss);
      put_double (w, "train_accuracy", e->stats.train_accuracy);
      put_double (w, "val_loss", e->stats.val_loss);
      put_double (w, "val_accuracy", e->stats.val_accuracy);
      put_double (w, "test_loss", e->stats.test_loss);
      put_double (w, "test_accuracy", e->stats.test_accuracy);
      put_double (w, "seconds", e->stats.seconds);
      put_double (w, "samples_per_second", e->stats.samples_per_second);
      put_double (w, "elapsed", e->elapsed);
      put_uint (w, "images", e->images);
      put_bool (w, "best", e->stats.is_best);
      nn_json_write_end_object (w);
    }
  nn_json_write_end_array (w);
  put_uint (w, "best_epoch", run->best_epoch);
  put_double (w, "best_val_accuracy", run->best_val_accuracy);
  put_double (w, "best_test_accuracy", run->best_test_accuracy);
  if (curves != NULL)
    {
      nn_json_write_key (w, "curves");
      nn_json_write_begin_object (w, NN_JSON_INLINE);
      put_uint (w, "span", curves->span);
      put_points (w, curves->points, curves->n_points, 4);
      nn_json_write_end_object (w);
    }
  nn_json_write_end_object (w);
  g_string_append_c (s, '\n');
}

char *
nn_run_to_json (const NnRun       *run,
                const NnRunCurves *curves)
{
  GString *s = g_string_new (NULL);

  g_return_val_if_fail (run != NULL && run->status != NN_RUN_STATUS_DAMAGED, NULL);
  append_run_json (s, run, curves);
  return g_string_free (s, FALSE);
}

/* curves.json: one compact object, each point on a line of its own */
static void
append_curves_json (GString     *s,
                    const Curve *c)
{
  NnJsonWriter writer, *w = &writer;

  nn_json_writer_init (w, s, TRUE);
  nn_json_write_begin_object (w, NN_JSON_INLINE);
  put_string (w, "format", CURVES_FORMAT);
  put_uint (w, "version", 1);
  put_uint (w, "span", c->span);
  put_points (w, c->points, c->n_points, 0);
  nn_json_write_end_object (w);
  g_string_append_c (s, '\n');
}

/* ---- reading run.json ------------------------------------------------------------------ */

static gboolean
bad (GError    **error,
     const char *format,
     ...) G_GNUC_PRINTF (2, 3);

static gboolean
bad (GError    **error,
     const char *format,
     ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, NN_RUN_ERROR, NN_RUN_ERROR_DAMAGED, "%s", message);
  return FALSE;
}

/* A string member of at most max bytes; NULL when it is null and null is allowed. */
static gboolean
get_text (const NnJsonNode *obj,
          const char       *name,
          size_t            max,
          gboolean          nullable,
          char            **out,
          GError          **error)
{
  const NnJsonNode *node = nn_json_object_get (obj, name);

  if (node != NULL && nullable && nn_json_node_get_kind (node) == NN_JSON_NULL)
    {
      *out = NULL;
      return TRUE;
    }
  if (node == NULL || nn_json_node_get_kind (node) != NN_JSON_STRING)
    return bad (error, "“%s” must be a string", name);
  if (strlen (nn_json_node_get_string (node)) > max)
    return bad (error, "“%s” is longer than %zu bytes", name, max);
  *out = g_strdup (nn_json_node_get_string (node));
  return TRUE;
}

static gboolean
get_uint (const NnJsonNode *obj,
          const char       *name,
          guint64           max,
          guint64          *out,
          GError          **error)
{
  const NnJsonNode *node = nn_json_object_get (obj, name);
  double v;

  if (node == NULL || nn_json_node_get_kind (node) != NN_JSON_NUMBER)
    return bad (error, "“%s” must be a number", name);
  v = nn_json_node_get_number (node);
  if (!(v >= 0 && v <= (double) max && v == floor (v) && v <= 9007199254740992.0))
    return bad (error, "“%s” must be a whole number from 0 to %" G_GUINT64_FORMAT, name, max);
  *out = (guint64) v;
  return TRUE;
}

static gboolean
get_guint (const NnJsonNode *obj,
           const char       *name,
           guint             max,
           guint            *out,
           GError          **error)
{
  guint64 v;

  if (!get_uint (obj, name, max, &v, error))
    return FALSE;
  *out = (guint) v;
  return TRUE;
}

/* A number in [min, max]; null reads as NAN when nullable. */
static gboolean get_double (const NnJsonNode *obj, const char *name, double min, double max,
                            gboolean nullable, double *out, GError **error);

/* A time that may be null or absent (NAN then): runs resumed from a checkpoint file have epochs
 * whose times nobody measured, and a record may come from before the field existed. */
static gboolean
get_optional_double (const NnJsonNode *obj,
                     const char       *name,
                     double           *out,
                     GError          **error)
{
  if (nn_json_object_get (obj, name) == NULL)
    {
      *out = NAN;
      return TRUE;
    }
  return get_double (obj, name, 0, G_MAXDOUBLE, TRUE, out, error);
}

static gboolean
get_double (const NnJsonNode *obj,
            const char       *name,
            double            min,
            double            max,
            gboolean          nullable,
            double           *out,
            GError          **error)
{
  const NnJsonNode *node = nn_json_object_get (obj, name);
  double v;

  if (node != NULL && nullable && nn_json_node_get_kind (node) == NN_JSON_NULL)
    {
      *out = NAN;
      return TRUE;
    }
  if (node == NULL || nn_json_node_get_kind (node) != NN_JSON_NUMBER)
    return bad (error, "“%s” must be a number", name);
  v = nn_json_node_get_number (node);
  if (!(v >= min && v <= max))
    return bad (error, "“%s” is out of range", name);
  *out = v;
  return TRUE;
}

static gboolean
get_bool (const NnJsonNode *obj,
          const char       *name,
          gboolean         *out,
          GError          **error)
{
  const NnJsonNode *node = nn_json_object_get (obj, name);

  if (node == NULL || nn_json_node_get_kind (node) != NN_JSON_BOOL)
    return bad (error, "“%s” must be true or false", name);
  *out = nn_json_node_get_bool (node);
  return TRUE;
}

static gboolean
get_object (const NnJsonNode  *obj,
            const char        *name,
            NnJsonKind         kind,
            const NnJsonNode **out,
            GError           **error)
{
  const NnJsonNode *node = nn_json_object_get (obj, name);

  if (node == NULL || nn_json_node_get_kind (node) != kind)
    return bad (error, "“%s” must be %s", name, kind == NN_JSON_OBJECT ? "an object" : "a list");
  *out = node;
  return TRUE;
}

/* An ISO 8601 time with a zone; its Unix time. */
static gboolean
get_time (const NnJsonNode *obj,
          const char       *name,
          gboolean          nullable,
          char            **text,
          gint64           *unix_time,
          GError          **error)
{
  g_autoptr(GDateTime) dt = NULL;

  *unix_time = 0;
  if (!get_text (obj, name, 64, nullable, text, error))
    return FALSE;
  if (*text == NULL)
    return TRUE;
  dt = g_date_time_new_from_iso8601 (*text, NULL);
  if (dt == NULL)
    return bad (error, "“%s” must be a date and time (ISO 8601)", name);
  *unix_time = g_date_time_to_unix (dt);
  return TRUE;
}

static gboolean
is_sha256 (const char *text)
{
  if (text[0] == '\0')
    return TRUE;
  if (strlen (text) != 64)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isxdigit (*p) || g_ascii_isupper (*p))
      return FALSE;
  return TRUE;
}

static gboolean
parse_recipe (const NnJsonNode *r,
              NnRun            *run,
              GError          **error)
{
  NnTrainConfig *c = &run->recipe;
  g_autofree char *optimizer = NULL;
  g_autofree char *seed = NULL;
  g_autoptr(NnSpec) spec = NULL;
  g_autoptr(GError) local = NULL;
  guint64 seed_value;
  char *end = NULL;

  if (!get_text (r, "spec", MAX_SPEC_TEXT, FALSE, &c->spec, error) ||
      !get_guint (r, "epochs", NN_TRAIN_MAX_EPOCHS, &c->epochs, error) ||
      !get_guint (r, "batch_size", NN_TRAIN_MAX_BATCH_SIZE, &c->batch_size, error) ||
      !get_text (r, "optimizer", 16, FALSE, &optimizer, error) ||
      !get_double (r, "learning_rate", 0, NN_TRAIN_MAX_LEARNING_RATE, FALSE,
                   &c->optimizer.learning_rate, error) ||
      !get_double (r, "beta1", 0, 1, FALSE, &c->optimizer.beta1, error) ||
      !get_double (r, "beta2", 0, 1, FALSE, &c->optimizer.beta2, error) ||
      !get_double (r, "eps", 0, 1, FALSE, &c->optimizer.eps, error) ||
      !get_double (r, "momentum", 0, 1, FALSE, &c->optimizer.momentum, error) ||
      !get_double (r, "weight_decay", 0, 1, FALSE, &c->optimizer.weight_decay, error) ||
      !get_guint (r, "validation_size", G_MAXUINT32, &c->validation_size, error) ||
      !get_text (r, "seed", 20, FALSE, &seed, error) ||
      !get_guint (r, "threads", NN_TRAIN_MAX_THREADS, &c->n_threads, error) ||
      !get_bool (r, "evaluate_test", &c->evaluate_test, error))
    return FALSE;
  {
    double rotation;

    if (!get_double (r, "rotation_degrees", 0, 180, FALSE, &rotation, error))
      return FALSE;
    c->rotation_degrees = (float) rotation;
  }
  /* a run recorded before these keys trained as they say when absent */
  nn_train_extras_init (&c->extras);
  if (!nn_train_extras_read_json (&c->extras, r, FALSE, &local))
    return bad (error, "%s", local->message);
  if (!nn_optimizer_kind_from_string (optimizer, &c->optimizer.kind))
    return bad (error, "“optimizer” must be adam, adamw or sgd");
  errno = 0;
  seed_value = g_ascii_strtoull (seed, &end, 10);
  if (!g_ascii_isdigit (seed[0]) || errno != 0 || *end != '\0')
    return bad (error, "“seed” must be a whole number from 0 to 2^64 − 1, as text");
  c->seed = seed_value;
  c->progress_every = 1;
  if (!nn_train_config_check (c, run->n_train_file, &local))
    return bad (error, "the recipe is not one a run can have: %s", local->message);
  spec = nn_spec_parse (c->spec, &local);
  if (spec == NULL)
    return bad (error, "the recipe's architecture is not valid: %s", local->message);
  return TRUE;
}

static gboolean
parse_dataset (const NnJsonNode *d,
               NnRun            *run,
               GError          **error)
{
  static const char *const sha_keys[4] = {
    "train_images", "train_labels", "test_images", "test_labels",
  };
  const NnJsonNode *sha = NULL;

  if (!get_text (d, "name", MAX_SHORT_TEXT, FALSE, &run->dataset_name, error) ||
      !get_text (d, "dir", MAX_SHORT_TEXT, FALSE, &run->dataset_dir, error) ||
      !get_uint (d, "n_train_file", G_MAXUINT32, &run->n_train_file, error) ||
      !get_uint (d, "n_test", G_MAXUINT32, &run->n_test, error) ||
      !get_guint (d, "rows", 65536, &run->rows, error) ||
      !get_guint (d, "cols", 65536, &run->cols, error) ||
      !get_guint (d, "n_classes", 256, &run->n_classes, error) ||
      !get_object (d, "sha256", NN_JSON_OBJECT, &sha, error))
    return FALSE;
  if (run->rows == 0 || run->cols == 0 || run->n_classes < 2)
    return bad (error, "the dataset's images or classes cannot be empty");
  for (int i = 0; i < 4; i++)
    {
      if (!get_text (sha, sha_keys[i], 64, FALSE, &run->dataset_sha256[i], error))
        return FALSE;
      if (!is_sha256 (run->dataset_sha256[i]))
        return bad (error, "“%s” must be a SHA-256 in hex", sha_keys[i]);
    }
  return TRUE;
}

static gboolean
parse_epochs (const NnJsonNode *list,
              NnRun            *run,
              GError          **error)
{
  size_t n = nn_json_array_get_length (list);

  if (n > NN_TRAIN_MAX_EPOCHS)
    return bad (error, "more than %u epochs", NN_TRAIN_MAX_EPOCHS);
  run->epochs = g_new0 (NnRunEpoch, MAX (n, 1));
  run->n_epochs = (guint) n;
  for (size_t i = 0; i < n; i++)
    {
      const NnJsonNode *e = nn_json_array_get_element (list, i);
      NnRunEpoch *out = &run->epochs[i];
      NnEpochStats *s = &out->stats;
      guint64 images_max = (guint64) NN_TRAIN_MAX_EPOCHS * G_MAXUINT32;
      /* validation images trained on give no validation figures: null */
      gboolean trained_on = run->recipe.extras.train_on_all;

      if (nn_json_node_get_kind (e) != NN_JSON_OBJECT)
        return bad (error, "epoch %zu is not an object", i + 1);
      if (!get_guint (e, "epoch", NN_TRAIN_MAX_EPOCHS, &s->epoch, error) ||
          !get_double (e, "train_loss", 0, G_MAXDOUBLE, FALSE, &s->train_loss, error) ||
          !get_double (e, "train_accuracy", 0, 1, FALSE, &s->train_accuracy, error) ||
          !get_double (e, "val_loss", 0, G_MAXDOUBLE, trained_on, &s->val_loss, error) ||
          !get_double (e, "val_accuracy", 0, 1, trained_on, &s->val_accuracy, error) ||
          !get_double (e, "test_loss", 0, G_MAXDOUBLE, TRUE, &s->test_loss, error) ||
          !get_double (e, "test_accuracy", 0, 1, TRUE, &s->test_accuracy, error) ||
          !get_double (e, "seconds", 0, G_MAXDOUBLE, FALSE, &s->seconds, error) ||
          !get_double (e, "samples_per_second", 0, G_MAXDOUBLE, FALSE, &s->samples_per_second,
                       error) ||
          !get_optional_double (e, "elapsed", &out->elapsed, error) ||
          !get_uint (e, "images", images_max, &out->images, error) ||
          !get_bool (e, "best", &s->is_best, error))
        {
          g_prefix_error (error, "epoch %zu: ", i + 1);
          return FALSE;
        }
      if (s->epoch != i + 1)
        return bad (error, "epoch %zu is numbered %u", i + 1, s->epoch);
      /* records made before this rule hold figures of images trained on: not held out */
      if (trained_on)
        s->val_loss = s->val_accuracy = NAN;
    }
  return TRUE;
}

/* Reads and checks run.json of the folder dir, whose name is id. */
static NnRun *
parse_run (const char  *dir,
           const char  *id,
           GError     **error)
{
  g_autoptr(NnRun) run = g_new0 (NnRun, 1);
  g_autoptr(NnJsonNode) root = NULL;
  g_autofree char *text = NULL;
  g_autofree char *format = NULL;
  g_autofree char *file_id = NULL;
  g_autofree char *status = NULL;
  g_autoptr(GError) local = NULL;
  const NnJsonNode *node = NULL;
  guint64 version;
  gsize length;
  gboolean found = FALSE;

  run->id = g_strdup (id);
  run->dir = g_strdup (dir);
  run->best_val_accuracy = run->best_test_accuracy = NAN;
  if (!read_run_file (dir, NN_RUN_FILE, NN_RUN_MAX_FILE, &text, &length, error))
    return NULL;
  root = nn_json_parse (text, length, &local);
  if (root == NULL)
    {
      bad (error, "%s is not valid JSON: %s", NN_RUN_FILE, local->message);
      return NULL;
    }
  if (nn_json_node_get_kind (root) != NN_JSON_OBJECT)
    {
      bad (error, "%s is not a JSON object", NN_RUN_FILE);
      return NULL;
    }
  if (!get_text (root, "format", 64, FALSE, &format, error))
    goto fail;
  if (strcmp (format, RUN_FORMAT) != 0)
    {
      bad (error, "%s is not a Digit Lab run", NN_RUN_FILE);
      return NULL;
    }
  if (!get_uint (root, "version", G_MAXUINT32, &version, error))
    goto fail;
  if (version != NN_RUN_FORMAT_VERSION)
    {
      bad (error, "%s has version %" G_GUINT64_FORMAT ", this program reads version %d",
           NN_RUN_FILE, version, NN_RUN_FORMAT_VERSION);
      return NULL;
    }
  if (!get_text (root, "id", 64, FALSE, &file_id, error))
    goto fail;
  if (strcmp (file_id, id) != 0)
    {
      bad (error, "%s belongs to run %s, not to this folder", NN_RUN_FILE,
           nn_run_id_is_valid (file_id) ? file_id : "(not an id)");
      return NULL;
    }
  if (!get_text (root, "name", NN_RUN_MAX_NAME, FALSE, &run->name, error) ||
      !get_text (root, "status", 16, FALSE, &status, error) ||
      !get_text (root, "error", MAX_SHORT_TEXT, TRUE, &run->problem, error) ||
      !get_time (root, "started", FALSE, &run->started_iso, &run->started, error) ||
      !get_time (root, "ended", TRUE, &run->ended_iso, &run->ended, error) ||
      !get_double (root, "duration", 0, G_MAXDOUBLE, FALSE, &run->duration, error) ||
      !get_text (root, "engine_version", 64, FALSE, &run->engine_version, error) ||
      !get_guint (root, "resumes", G_MAXUINT32, &run->n_resumes, error) ||
      !get_guint (root, "threads", NN_TRAIN_MAX_THREADS, &run->threads, error) ||
      !get_text (root, "kernel", 64, FALSE, &run->kernel, error) ||
      !get_object (root, "dataset", NN_JSON_OBJECT, &node, error) ||
      !parse_dataset (node, run, error) ||
      !get_object (root, "recipe", NN_JSON_OBJECT, &node, error) ||
      !parse_recipe (node, run, error) ||
      !get_uint (root, "n_params", G_MAXUINT32, &run->n_params, error) ||
      !get_uint (root, "n_train", run->n_train_file, &run->n_train, error) ||
      !get_object (root, "epochs", NN_JSON_ARRAY, &node, error) ||
      !parse_epochs (node, run, error) ||
      !get_guint (root, "best_epoch", run->n_epochs, &run->best_epoch, error) ||
      !get_double (root, "best_val_accuracy", 0, 1, TRUE, &run->best_val_accuracy, error) ||
      !get_double (root, "best_test_accuracy", 0, 1, TRUE, &run->best_test_accuracy, error))
    goto fail;
  if (!g_utf8_validate (run->name, -1, NULL))
    {
      bad (error, "the name is not UTF-8");
      return NULL;
    }
  for (guint s = 0; s < G_N_ELEMENTS (status_names); s++)
    if (s != NN_RUN_STATUS_DAMAGED && strcmp (status, status_names[s]) == 0)
      {
        run->status = (NnRunStatus) s;
        found = TRUE;
      }
  if (!found)
    {
      bad (error, "unknown status “%s”", g_utf8_validate (status, -1, NULL) ? status : "?");
      return NULL;
    }
  if (run->n_epochs > run->recipe.epochs)
    {
      bad (error, "%u epochs recorded of %u planned", run->n_epochs, run->recipe.epochs);
      return NULL;
    }
  if ((run->best_epoch == 0) != (run->n_epochs == 0))
    {
      bad (error, "“best_epoch” does not fit the epochs recorded");
      return NULL;
    }
  if (run->recipe.extras.train_on_all)
    run->best_val_accuracy = NAN;
  else if (run->best_epoch > 0 &&
           run->epochs[run->best_epoch - 1].stats.val_accuracy != run->best_val_accuracy)
    {
      bad (error, "“best_val_accuracy” is not that of the best epoch");
      return NULL;
    }
  if (run->status != NN_RUN_STATUS_FAILED)
    g_clear_pointer (&run->problem, g_free);
  return g_steal_pointer (&run);

fail:
  g_prefix_error (error, "%s: ", NN_RUN_FILE);
  return NULL;
}

static NnRun *
damaged_run (const char *dir,
             const char *id,
             const char *problem)
{
  NnRun *run = g_new0 (NnRun, 1);

  run->id = g_strdup (id);
  run->dir = g_strdup (dir);
  run->name = g_strdup ("");
  run->status = NN_RUN_STATUS_DAMAGED;
  run->problem = g_strdup (problem);
  run->started = id_time (id);
  run->best_val_accuracy = run->best_test_accuracy = NAN;
  return run;
}

/* The run in folder dir (named id): a DAMAGED run when it cannot be read, or NULL with the
 * error when damaged is NULL. A "running" run whose lock is free is INTERRUPTED. */
static NnRun *
read_run (const char  *dir,
          const char  *id,
          gboolean     damaged_ok,
          GError     **error)
{
  g_autoptr(GError) local = NULL;
  GStatBuf info;
  NnRun *run;

  if (g_lstat (dir, &info) != 0)
    {
      g_set_error (error, NN_RUN_ERROR, NN_RUN_ERROR_NOT_FOUND, "There is no run %s", id);
      return NULL;
    }
  if (!S_ISDIR (info.st_mode))
    {
      const char *problem = S_ISLNK (info.st_mode) ? "not a folder but a symbolic link"
                                                   : "not a folder";

      if (damaged_ok)
        return damaged_run (dir, id, problem);
      g_set_error (error, NN_RUN_ERROR, NN_RUN_ERROR_DAMAGED, "The run %s is %s", id, problem);
      return NULL;
    }
  run = parse_run (dir, id, &local);
  if (run == NULL)
    {
      if (damaged_ok)
        return damaged_run (dir, id, local->message);
      g_set_error (error, NN_RUN_ERROR, local->code == NN_RUN_ERROR_NOT_FOUND
                                          ? NN_RUN_ERROR_DAMAGED : local->code,
                   "The run %s cannot be read: %s", id, local->message);
      return NULL;
    }
  if (run->status == NN_RUN_STATUS_RUNNING && !run_is_locked (dir))
    run->status = NN_RUN_STATUS_INTERRUPTED;
  return run;
}

void
nn_run_free (NnRun *run)
{
  if (run == NULL)
    return;
  g_free (run->id);
  g_free (run->dir);
  g_free (run->name);
  g_free (run->problem);
  g_free (run->started_iso);
  g_free (run->ended_iso);
  g_free (run->engine_version);
  nn_train_config_clear (&run->recipe);
  g_free (run->kernel);
  g_free (run->dataset_name);
  g_free (run->dataset_dir);
  for (int i = 0; i < 4; i++)
    g_free (run->dataset_sha256[i]);
  g_free (run->epochs);
  g_free (run);
}

/* ---- listing and finding ---------------------------------------------------------------- */

static int
compare_runs (gconstpointer a,
              gconstpointer b)
{
  const NnRun *x = *(NnRun *const *) a, *y = *(NnRun *const *) b;

  if (x->started != y->started)
    return x->started < y->started ? -1 : 1;
  return strcmp (x->id, y->id);
}

static char *
run_dir (NnRunStore *store,
         const char *id)
{
  return g_build_filename (store->dir, id, NULL);
}

GPtrArray *
nn_run_store_list (NnRunStore  *store,
                   GError     **error)
{
  g_autoptr(GPtrArray) runs = g_ptr_array_new_with_free_func ((GDestroyNotify) nn_run_free);
  g_autoptr(GDir) d = NULL;
  const char *name;

  g_return_val_if_fail (store != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  d = g_dir_open (store->dir, 0, error);
  if (d == NULL)
    return NULL;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *dir = NULL;

      if (!nn_run_id_is_valid (name))
        continue;
      dir = run_dir (store, name);
      g_ptr_array_add (runs, read_run (dir, name, TRUE, NULL));
    }
  g_ptr_array_sort (runs, compare_runs);
  return g_steal_pointer (&runs);
}

NnRun *
nn_run_store_load (NnRunStore  *store,
                   const char  *id,
                   GError     **error)
{
  g_autofree char *dir = NULL;

  g_return_val_if_fail (store != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_id (id, error))
    return NULL;
  dir = run_dir (store, id);
  return read_run (dir, id, FALSE, error);
}

NnRun *
nn_run_store_find (NnRunStore  *store,
                   const char  *text,
                   GError     **error)
{
  g_autoptr(GPtrArray) runs = NULL;
  const char *match = NULL;

  g_return_val_if_fail (store != NULL && text != NULL, NULL);

  if (nn_run_id_is_valid (text))
    return nn_run_store_load (store, text, error);
  runs = nn_run_store_list (store, error);
  if (runs == NULL)
    return NULL;
  if (strcmp (text, "last") == 0)
    {
      if (runs->len == 0)
        {
          g_set_error (error, NN_RUN_ERROR, NN_RUN_ERROR_NOT_FOUND, "There are no runs yet");
          return NULL;
        }
      match = ((NnRun *) runs->pdata[runs->len - 1])->id;
    }
  else if (text[0] != '\0' && strlen (text) < ID_LENGTH)
    for (guint i = 0; i < runs->len; i++)
      {
        const char *id = ((NnRun *) runs->pdata[i])->id;

        if (!g_str_has_prefix (id, text))
          continue;
        if (match != NULL)
          {
            g_set_error (error, NN_RUN_ERROR, NN_RUN_ERROR_NOT_FOUND,
                         "“%s” could be run %s or %s: give more of the id", text, match, id);
            return NULL;
          }
        match = id;
      }
  if (match == NULL)
    {
      g_autofree char *shown = g_utf8_make_valid (text, MIN (strlen (text), 64));

      g_set_error (error, NN_RUN_ERROR, NN_RUN_ERROR_NOT_FOUND, "There is no run “%s”", shown);
      return NULL;
    }
  return nn_run_store_load (store, match, error);
}

/* ---- changing runs ---------------------------------------------------------------------- */

static gboolean
check_name (const char  *name,
            GError     **error)
{
  const char *problem = NULL;

  if (!g_utf8_validate (name, -1, NULL))
    problem = "it is not UTF-8";
  else if (strlen (name) > NN_RUN_MAX_NAME)
    problem = "it is longer than " G_STRINGIFY (NN_RUN_MAX_NAME) " bytes";
  else
    for (const char *p = name; *p != '\0'; p++)
      if ((guchar) *p < 0x20 || *p == 0x7f)
        problem = "it holds a control character";
  if (problem == NULL)
    return TRUE;
  g_set_error (error, NN_RUN_ERROR, NN_RUN_ERROR_BAD_NAME, "That name cannot be used: %s",
               problem);
  return FALSE;
}

static gboolean
write_run_json (const NnRun  *run,
                GError      **error)
{
  GString *s = g_string_sized_new (4096);
  gboolean ok;

  append_run_json (s, run, NULL);
  ok = write_atomic (run->dir, NN_RUN_FILE, s->str, s->len, error);
  g_string_free (s, TRUE);
  return ok;
}

gboolean
nn_run_store_rename (NnRunStore  *store,
                     const char  *id,
                     const char  *name,
                     GError     **error)
{
  g_autofree char *dir = NULL;
  g_autoptr(NnRun) run = NULL;
  int fd;
  gboolean ok;

  g_return_val_if_fail (store != NULL && name != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_id (id, error) || !check_name (name, error))
    return FALSE;
  dir = run_dir (store, id);
  run = read_run (dir, id, FALSE, error);
  if (run == NULL)
    return FALSE;
  fd = take_lock (dir, error);
  if (fd < 0)
    return FALSE;
  /* read again under the lock: what a recorder wrote last */
  nn_run_free (g_steal_pointer (&run));
  run = read_run (dir, id, FALSE, error);
  if (run == NULL)
    {
      release_lock (fd);
      return FALSE;
    }
  if (run->status == NN_RUN_STATUS_INTERRUPTED)
    run->status = NN_RUN_STATUS_RUNNING;   /* as the file says: listing tells it from the lock */
  g_free (run->name);
  run->name = g_strdup (name);
  ok = write_run_json (run, error);
  release_lock (fd);
  return ok;
}

static char *
trash_dir (NnRunStore  *store,
           GError     **error)
{
  g_autofree char *trash = g_build_filename (store->dir, NN_RUN_TRASH_DIR, NULL);
  GStatBuf info;

  if (g_mkdir (trash, 0700) != 0 && errno != EEXIST)
    {
      io_error (error, errno, "Cannot make", trash);
      return NULL;
    }
  if (g_lstat (trash, &info) != 0 || !S_ISDIR (info.st_mode))
    {
      g_set_error (error, NN_RUN_ERROR, NN_RUN_ERROR_IO, "%s is not a folder", trash);
      return NULL;
    }
  return g_steal_pointer (&trash);
}

/* Moves the run folder from → to unless `to` exists; with check_lock, a live recorder of the
 * run makes it BUSY. */
static gboolean
move_run (const char  *from,
          const char  *to,
          const char  *id,
          gboolean     check_lock,
          GError     **error)
{
  GStatBuf info, there;
  int fd = -1;

  if (g_lstat (from, &info) != 0)
    {
      g_set_error (error, NN_RUN_ERROR, NN_RUN_ERROR_NOT_FOUND, "There is no run %s", id);
      return FALSE;
    }
  if (g_lstat (to, &there) == 0)
    {
      g_set_error (error, NN_RUN_ERROR, NN_RUN_ERROR_IO, "Cannot move run %s: %s exists", id,
                   to);
      return FALSE;
    }
  if (check_lock && S_ISDIR (info.st_mode))
    {
      g_autoptr(GError) local = NULL;

      /* a damaged lock file does not keep a damaged run in place; a live recorder does */
      fd = take_lock (from, &local);
      if (fd < 0 && g_error_matches (local, NN_RUN_ERROR, NN_RUN_ERROR_BUSY))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
    }
  if (g_rename (from, to) != 0)
    {
      int saved = errno;

      release_lock (fd);
      return io_error (error, saved, "Cannot move", from);
    }
  release_lock (fd);
  return TRUE;
}

gboolean
nn_run_store_trash (NnRunStore  *store,
                    const char  *id,
                    GError     **error)
{
  g_autofree char *trash = NULL;
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  GStatBuf info;

  g_return_val_if_fail (store != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_id (id, error))
    return FALSE;
  from = run_dir (store, id);
  if (g_lstat (from, &info) == 0 && S_ISDIR (info.st_mode) && run_is_locked (from))
    {
      g_set_error (error, NN_RUN_ERROR, NN_RUN_ERROR_BUSY, "Run %s is still running", id);
      return FALSE;
    }
  trash = trash_dir (store, error);
  if (trash == NULL)
    return FALSE;
  to = g_build_filename (trash, id, NULL);
  return move_run (from, to, id, TRUE, error) && sync_dir (store->dir, error);
}

gboolean
nn_run_store_restore (NnRunStore  *store,
                      const char  *id,
                      GError     **error)
{
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;

  g_return_val_if_fail (store != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_id (id, error))
    return FALSE;
  from = g_build_filename (store->dir, NN_RUN_TRASH_DIR, id, NULL);
  to = run_dir (store, id);
  return move_run (from, to, id, FALSE, error) && sync_dir (store->dir, error);
}

gboolean
nn_run_store_purge (NnRunStore  *store,
                    const char  *id,
                    GError     **error)
{
  g_autoptr(GPtrArray) ids = NULL;

  g_return_val_if_fail (store != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (id != NULL)
    {
      g_autofree char *path = NULL;
      GStatBuf info;

      if (!check_id (id, error))
        return FALSE;
      path = g_build_filename (store->dir, NN_RUN_TRASH_DIR, id, NULL);
      if (g_lstat (path, &info) != 0)
        {
          g_set_error (error, NN_RUN_ERROR, NN_RUN_ERROR_NOT_FOUND, "Run %s is not in the trash",
                       id);
          return FALSE;
        }
      return remove_tree (path, 0, error);
    }
  ids = nn_run_store_list_trash (store, error);
  if (ids == NULL)
    return FALSE;
  for (guint i = 0; i < ids->len; i++)
    if (!nn_run_store_purge (store, ids->pdata[i], error))
      return FALSE;
  return TRUE;
}

gboolean
nn_run_store_delete (NnRunStore  *store,
                     const char  *id,
                     GError     **error)
{
  return nn_run_store_trash (store, id, error) && nn_run_store_purge (store, id, error);
}

static int
compare_ids (gconstpointer a,
             gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

GPtrArray *
nn_run_store_list_trash (NnRunStore  *store,
                         GError     **error)
{
  g_autofree char *trash = g_build_filename (store->dir, NN_RUN_TRASH_DIR, NULL);
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) d = NULL;
  const char *name;
  GStatBuf info;

  g_return_val_if_fail (store != NULL, NULL);

  if (g_lstat (trash, &info) != 0 || !S_ISDIR (info.st_mode))
    return ids;
  d = g_dir_open (trash, 0, error);
  if (d == NULL)
    {
      g_ptr_array_unref (ids);
      return NULL;
    }
  while ((name = g_dir_read_name (d)) != NULL)
    if (nn_run_id_is_valid (name))
      g_ptr_array_add (ids, g_strdup (name));
  g_ptr_array_sort (ids, compare_ids);
  return ids;
}

gboolean
nn_run_store_trash_before (NnRunStore  *store,
                           gint64       before,
                           guint       *n_trashed,
                           GError     **error)
{
  g_autoptr(GPtrArray) runs = NULL;
  guint n = 0;

  g_return_val_if_fail (store != NULL, FALSE);

  if (n_trashed != NULL)
    *n_trashed = 0;
  runs = nn_run_store_list (store, error);
  if (runs == NULL)
    return FALSE;
  for (guint i = 0; i < runs->len; i++)
    {
      const NnRun *run = runs->pdata[i];

      if (run->started >= before || run->status == NN_RUN_STATUS_RUNNING)
        continue;
      if (!nn_run_store_trash (store, run->id, error))
        return FALSE;
      n++;
      if (n_trashed != NULL)
        *n_trashed = n;
    }
  return TRUE;
}

guint64
nn_run_store_get_disk_usage (NnRunStore *store,
                             guint64    *trash_bytes)
{
  g_autofree char *trash = NULL;

  g_return_val_if_fail (store != NULL, 0);

  if (trash_bytes != NULL)
    {
      trash = g_build_filename (store->dir, NN_RUN_TRASH_DIR, NULL);
      *trash_bytes = tree_usage (trash, 1);
    }
  return tree_usage (store->dir, 0);
}

guint64
nn_run_get_disk_usage (const NnRun *run)
{
  g_return_val_if_fail (run != NULL, 0);
  return tree_usage (run->dir, 1);
}

char *
nn_run_dup_model_dir (const NnRun *run)
{
  g_autofree char *dir = NULL;
  g_autofree char *weights = NULL;
  GStatBuf info;

  g_return_val_if_fail (run != NULL, NULL);

  if (run->status == NN_RUN_STATUS_DAMAGED || run->best_epoch == 0)
    return NULL;
  dir = g_build_filename (run->dir, NN_RUN_MODEL_DIR, NULL);
  weights = g_build_filename (dir, NN_MODEL_WEIGHTS_FILE, NULL);
  /* the run's own files, never what a link in its folder points at */
  if (g_lstat (dir, &info) != 0 || !S_ISDIR (info.st_mode) ||
      g_lstat (weights, &info) != 0 || !S_ISREG (info.st_mode))
    return NULL;
  return g_steal_pointer (&dir);
}

gboolean
nn_run_can_resume (const NnRun *run)
{
  g_autofree char *checkpoint = NULL;
  GStatBuf info;

  g_return_val_if_fail (run != NULL, FALSE);

  if (run->status == NN_RUN_STATUS_DAMAGED || run->status == NN_RUN_STATUS_RUNNING)
    return FALSE;
  checkpoint = g_build_filename (run->dir, NN_RUN_CHECKPOINT_FILE, NULL);
  return g_lstat (checkpoint, &info) == 0 && S_ISREG (info.st_mode);
}

/* ---- curves ------------------------------------------------------------------------------ */

void
nn_run_curves_free (NnRunCurves *curves)
{
  if (curves == NULL)
    return;
  g_free (curves->points);
  g_free (curves);
}

static gboolean
parse_point (const NnJsonNode *p,
             NnRunCurvePoint  *out,
             guint64           span,
             GError          **error)
{
  double v[7];

  if (nn_json_node_get_kind (p) != NN_JSON_ARRAY || nn_json_array_get_length (p) != 7)
    return bad (error, "a point must be a list of 7 numbers");
  for (size_t k = 0; k < 7; k++)
    {
      const NnJsonNode *x = nn_json_array_get_element (p, k);

      if (nn_json_node_get_kind (x) != NN_JSON_NUMBER)
        return bad (error, "a point must be a list of 7 numbers");
      v[k] = nn_json_node_get_number (x);
      if (!(v[k] >= 0 && v[k] < 1e300))
        return bad (error, "a point holds a negative or huge number");
    }
  for (size_t k = 0; k < 4; k++)
    if (k != 2 && (v[k] != floor (v[k]) || v[k] > 9007199254740992.0))
      return bad (error, "a point's step, images and count must be whole numbers");
  /* an epoch's short last batch joins the point before it: up to twice the span */
  if (v[3] < 1 || v[3] > 2.0 * (double) span)
    return bad (error, "a point's count must be from 1 to twice the span");
  if (v[3] > v[0])
    return bad (error, "a point holds more batches than its step");
  if (!(v[4] <= v[6]) || !(v[5] >= v[4] * (1 - 1e-9)) || !(v[5] <= v[6] * (1 + 1e-9)))
    return bad (error, "a point's mean must lie between its min and max");
  *out = (NnRunCurvePoint) {
    .step = (guint64) v[0], .images = (guint64) v[1], .seconds = v[2], .count = (guint64) v[3],
    .min = v[4], .mean = v[5], .max = v[6],
  };
  return TRUE;
}

static NnRunCurves *
parse_curves (const char  *dir,
              GError     **error)
{
  g_autoptr(NnRunCurves) curves = g_new0 (NnRunCurves, 1);
  g_autoptr(NnJsonNode) root = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *text = NULL;
  g_autofree char *format = NULL;
  const NnJsonNode *points = NULL;
  guint64 version;
  gsize length;
  size_t n;

  curves->span = 1;
  if (!read_run_file (dir, NN_RUN_CURVES_FILE, NN_RUN_MAX_CURVES_FILE, &text, &length, &local))
    {
      if (g_error_matches (local, NN_RUN_ERROR, NN_RUN_ERROR_NOT_FOUND))
        return g_steal_pointer (&curves);   /* no batch recorded yet */
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  root = nn_json_parse (text, length, &local);
  if (root == NULL)
    {
      bad (error, "%s is not valid JSON: %s", NN_RUN_CURVES_FILE, local->message);
      return NULL;
    }
  if (nn_json_node_get_kind (root) != NN_JSON_OBJECT ||
      !get_text (root, "format", 64, FALSE, &format, error) ||
      strcmp (format, CURVES_FORMAT) != 0 ||
      !get_uint (root, "version", 1, &version, error) || version != 1 ||
      !get_uint (root, "span", G_GUINT64_CONSTANT (1) << 52, &curves->span, error) ||
      curves->span == 0 || (curves->span & (curves->span - 1)) != 0 ||
      !get_object (root, "points", NN_JSON_ARRAY, &points, error))
    {
      g_clear_error (error);
      bad (error, "%s is not a curves file of this version", NN_RUN_CURVES_FILE);
      return NULL;
    }
  n = nn_json_array_get_length (points);
  if (n > NN_RUN_MAX_CURVE_POINTS)
    {
      bad (error, "%s has more than %d points", NN_RUN_CURVES_FILE, NN_RUN_MAX_CURVE_POINTS);
      return NULL;
    }
  curves->points = g_new0 (NnRunCurvePoint, MAX (n, 1));
  for (size_t i = 0; i < n; i++)
    {
      NnRunCurvePoint *p = &curves->points[i];

      if (!parse_point (nn_json_array_get_element (points, i), p, curves->span, error))
        {
          g_prefix_error (error, "%s, point %zu: ", NN_RUN_CURVES_FILE, i + 1);
          return NULL;
        }
      if (i > 0 && (p->step <= p[-1].step || p->images < p[-1].images))
        {
          bad (error, "%s: the points are not in order", NN_RUN_CURVES_FILE);
          return NULL;
        }
      if (i > 0 && p->count != p->step - p[-1].step)
        {
          bad (error, "%s, point %zu: its count is not the steps since the point before",
               NN_RUN_CURVES_FILE, i + 1);
          return NULL;
        }
      if (i + 1 < n && p->count < curves->span)
        {
          bad (error, "%s: only the last point may be partial", NN_RUN_CURVES_FILE);
          return NULL;
        }
    }
  curves->n_points = n;
  return g_steal_pointer (&curves);
}

NnRunCurves *
nn_run_load_curves (const NnRun  *run,
                    GError      **error)
{
  g_return_val_if_fail (run != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (run->status == NN_RUN_STATUS_DAMAGED)
    {
      g_set_error (error, NN_RUN_ERROR, NN_RUN_ERROR_DAMAGED, "The run %s cannot be read: %s",
                   run->id, run->problem);
      return NULL;
    }
  return parse_curves (run->dir, error);
}

static void
csv_number (GString *s,
            double   value)
{
  if (isfinite (value))
    nn_json_append_double (s, value);
}

char *
nn_run_epochs_to_csv (const NnRun *run)
{
  GString *s = g_string_new ("epoch,train_loss,train_accuracy,val_loss,val_accuracy,test_loss,"
                             "test_accuracy,seconds,samples_per_second,elapsed,images,best\n");

  g_return_val_if_fail (run != NULL, NULL);

  for (guint i = 0; i < run->n_epochs; i++)
    {
      const NnRunEpoch *e = &run->epochs[i];
      const double values[] = {
        e->stats.train_loss, e->stats.train_accuracy, e->stats.val_loss, e->stats.val_accuracy,
        e->stats.test_loss, e->stats.test_accuracy, e->stats.seconds,
        e->stats.samples_per_second, e->elapsed,
      };

      nn_json_append_uint (s, e->stats.epoch);
      for (size_t k = 0; k < G_N_ELEMENTS (values); k++)
        {
          g_string_append_c (s, ',');
          csv_number (s, values[k]);
        }
      g_string_append_c (s, ',');
      nn_json_append_uint (s, e->images);
      g_string_append (s, e->stats.is_best ? ",1\n" : ",0\n");
    }
  return g_string_free (s, FALSE);
}

char *
nn_run_curves_to_csv (const NnRunCurves *curves)
{
  GString *s = g_string_new ("step,images,seconds,count,min,mean,max\n");

  g_return_val_if_fail (curves != NULL, NULL);

  for (size_t i = 0; i < curves->n_points; i++)
    {
      const NnRunCurvePoint *p = &curves->points[i];

      nn_json_append_uint (s, p->step);
      g_string_append_c (s, ',');
      nn_json_append_uint (s, p->images);
      g_string_append_c (s, ',');
      csv_number (s, p->seconds);
      g_string_append_c (s, ',');
      nn_json_append_uint (s, p->count);
      g_string_append_c (s, ',');
      csv_number (s, p->min);
      g_string_append_c (s, ',');
      csv_number (s, p->mean);
      g_string_append_c (s, ',');
      csv_number (s, p->max);
      g_string_append_c (s, '\n');
    }
  return g_string_free (s, FALSE);
}

/* ---- recording -------------------------------------------------------------------------- */

static void
curve_init (Curve *c)
{
  c->points = g_new0 (NnRunCurvePoint, NN_RUN_MAX_CURVE_POINTS);
  c->n_points = 0;
  c->span = 1;
  c->step = 0;
}

static void
curve_copy (Curve       *to,
            const Curve *from)
{
  memcpy (to->points, from->points, sizeof (NnRunCurvePoint) * from->n_points);
  to->n_points = from->n_points;
  to->span = from->span;
  to->step = from->step;
}

/* Two neighbours become one: the list halves and the span doubles. */
static void
curve_merge_pairs (Curve *c)
{
  size_t n = c->n_points / 2;

  for (size_t i = 0; i < n; i++)
    {
      const NnRunCurvePoint *a = &c->points[2 * i], *b = &c->points[2 * i + 1];
      guint64 count = a->count + b->count;

      c->points[i] = (NnRunCurvePoint) {
        .step = b->step,
        .images = b->images,
        .seconds = b->seconds,
        .count = count,
        .min = MIN (a->min, b->min),
        .mean = (a->mean * a->count + b->mean * b->count) / count,
        .max = MAX (a->max, b->max),
      };
    }
  if (c->n_points % 2 == 1)
    c->points[n++] = c->points[c->n_points - 1];
  c->n_points = n;
  c->span *= 2;
}

/* One batch's mean loss per image, after `images` training images in all. An epoch's last batch
 * holds what is left of the training images (8 of 1,800 with batches of 64, say): its mean over
 * so few images is far noisier than a full batch's, and as a point of its own it would show as
 * a spike or a plunge at every epoch's end. It joins the point before it, in the same epoch,
 * weighted by its images; that point then sums up one batch more than the span. */
static void
curve_add (Curve   *c,
           double   loss,
           guint64  images,
           double   seconds,
           guint64  batch_size,
           guint64  n_train)
{
  NnRunCurvePoint *p = c->n_points > 0 ? &c->points[c->n_points - 1] : NULL;
  guint64 before = p != NULL ? p->images : 0;
  guint64 b = images > before ? images - before : 0;

  c->step++;
  if (p != NULL && batch_size > 0 && n_train > 0 && b < batch_size && images >= n_train &&
      images % n_train == 0 && before > images - n_train)
    {
      /* the point's batches are full ones (but for one such join in a point that spans
       * epochs, which the weight then counts as full) */
      double weight = (double) p->count * (double) batch_size;

      p->count++;
      p->mean = (p->mean * weight + loss * (double) b) / (weight + (double) b);
      p->min = MIN (p->min, loss);
      p->max = MAX (p->max, loss);
    }
  else if (p != NULL && p->count < c->span)
    {
      p->count++;
      p->mean += (loss - p->mean) / p->count;
      p->min = MIN (p->min, loss);
      p->max = MAX (p->max, loss);
    }
  else
    {
      if (c->n_points == NN_RUN_MAX_CURVE_POINTS)
        curve_merge_pairs (c);
      p = &c->points[c->n_points++];
      *p = (NnRunCurvePoint) { .count = 1, .min = loss, .mean = loss, .max = loss };
    }
  p->step = c->step;
  p->images = images;
  p->seconds = seconds;
}

static double
recorder_seconds (const NnRunRecorder *rec)
{
  if (rec->session_start == 0)
    return rec->base_seconds;
  return rec->base_seconds + (g_get_monotonic_time () - rec->session_start) / 1e6;
}

static char *
now_iso (gint64 *unix_time)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  if (unix_time != NULL)
    *unix_time = g_date_time_to_unix (now);
  return g_strdup_printf ("%04d-%02d-%02dT%02d:%02d:%02dZ", g_date_time_get_year (now),
                          g_date_time_get_month (now), g_date_time_get_day_of_month (now),
                          g_date_time_get_hour (now), g_date_time_get_minute (now),
                          g_date_time_get_second (now));
}

/* The SHA-256 of a file, read in pieces; "" for no file. */
static char *
file_sha256 (const char  *path,
             GError     **error)
{
  g_autoptr(GChecksum) sum = NULL;
  g_autofree guint8 *buffer = NULL;
  gsize size;
  int fd;

  if (path == NULL)
    return g_strdup ("");
  fd = nn_file_open_regular (path, NN_FILE_MAX_DATA, &size, error);
  if (fd < 0)
    return NULL;
  sum = g_checksum_new (G_CHECKSUM_SHA256);
  buffer = g_malloc (1 << 20);
  for (;;)
    {
      ssize_t n = read (fd, buffer, 1 << 20);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          close (fd);
          io_error (error, saved, "Cannot read", path);
          return NULL;
        }
      if (n == 0)
        break;
      g_checksum_update (sum, buffer, n);
    }
  close (fd);
  return g_strdup (g_checksum_get_string (sum));
}

static gboolean
dataset_sha256 (const NnDataset  *ds,
                char             *out[4],
                GError          **error)
{
  for (int i = 0; i < 4; i++)
    {
      out[i] = file_sha256 (ds->files[i], error);
      if (out[i] == NULL)
        {
          for (int k = 0; k < i; k++)
            g_clear_pointer (&out[k], g_free);
          return FALSE;
        }
    }
  return TRUE;
}

/* The recipe and engine fields of run from the trainer, as they are now. */
static void
run_take_recipe (NnRun     *run,
                 NnTrainer *trainer)
{
  const NnTrainConfig *c = nn_trainer_get_config (trainer);
  NnNetwork *net = nn_trainer_get_network (trainer);

  nn_train_config_clear (&run->recipe);
  run->recipe = *c;
  run->recipe.spec = g_strdup (c->spec);
  run->recipe.checkpoint_path = NULL;
  run->threads = (guint) nn_network_get_n_threads (net);
  g_free (run->kernel);
  run->kernel = g_strdup (nn_sgemm_kernel_name ());
  run->n_params = nn_network_get_n_params (net);
  run->n_train = nn_trainer_get_n_train (trainer);
}

static void
recorder_free_internal (NnRunRecorder *rec)
{
  g_free (rec->dir);
  g_free (rec->checkpoint_path);
  release_lock (rec->lock_fd);
  nn_run_free (rec->run);
  g_free (rec->curve.points);
  g_free (rec->committed.points);
  g_free (rec);
}

void
nn_run_recorder_free (NnRunRecorder *rec)
{
  if (rec == NULL)
    return;
  recorder_free_internal (rec);
}

const char *
nn_run_recorder_get_id (const NnRunRecorder *rec)
{
  g_return_val_if_fail (rec != NULL, NULL);
  return rec->run->id;
}

const char *
nn_run_recorder_get_dir (const NnRunRecorder *rec)
{
  g_return_val_if_fail (rec != NULL, NULL);
  return rec->dir;
}

const char *
nn_run_recorder_get_checkpoint_path (const NnRunRecorder *rec)
{
  g_return_val_if_fail (rec != NULL, NULL);
  return rec->checkpoint_path;
}

static NnRunRecorder *
recorder_alloc (const char *dir,
                int         lock_fd)
{
  NnRunRecorder *rec = g_new0 (NnRunRecorder, 1);

  rec->dir = g_strdup (dir);
  rec->checkpoint_path = g_build_filename (dir, NN_RUN_CHECKPOINT_FILE, NULL);
  rec->lock_fd = lock_fd;
  curve_init (&rec->curve);
  curve_init (&rec->committed);
  return rec;
}

static gboolean
recorder_write (NnRunRecorder  *rec,
                gboolean        with_curves,
                GError        **error)
{
  rec->run->duration = recorder_seconds (rec);
  if (with_curves)
    {
      GString *s = g_string_sized_new (64 + rec->curve.n_points * 96);
      gboolean ok;

      append_curves_json (s, &rec->curve);
      ok = write_atomic (rec->dir, NN_RUN_CURVES_FILE, s->str, s->len, error);
      g_string_free (s, TRUE);
      if (!ok)
        return FALSE;
    }
  return write_run_json (rec->run, error);
}

/* The epochs, best epoch and curve of a trainer that may have run before (resumed from a
 * checkpoint): the first n_recorded epochs keep what run.json says of their times, and the
 * curve keeps the points of curves (nullable) up to the trainer's last epoch. */
static void
recorder_take_history (NnRunRecorder     *rec,
                       NnTrainer         *trainer,
                       const NnRunCurves *curves,
                       guint              n_recorded)
{
  NnRun *run = rec->run;
  guint n_history;
  const NnEpochStats *history = nn_trainer_get_history (trainer, &n_history);
  size_t batch = nn_trainer_get_config (trainer)->batch_size;
  guint64 step = (guint64) n_history * ((nn_trainer_get_n_train (trainer) + batch - 1) / batch);

  if (curves != NULL)
    {
      size_t n = 0;

      while (n < curves->n_points && curves->points[n].step <= step)
        n++;
      memcpy (rec->curve.points, curves->points, sizeof (NnRunCurvePoint) * n);
      rec->curve.n_points = n;
      rec->curve.span = curves->span;
    }
  rec->curve.step = step;
  curve_copy (&rec->committed, &rec->curve);

  run->epochs = g_renew (NnRunEpoch, run->epochs, MAX (n_history, 1));
  for (guint i = 0; i < n_history; i++)
    {
      NnRunEpoch *e = &run->epochs[i];

      if (i >= n_recorded)
        {
          e->elapsed = NAN;
          e->images = (guint64) (i + 1) * nn_trainer_get_n_train (trainer);
        }
      e->stats = history[i];
    }
  run->n_epochs = n_history;
  nn_trainer_get_best_params (trainer, &run->best_epoch);
  run->best_val_accuracy = run->best_epoch > 0 ? history[run->best_epoch - 1].val_accuracy : NAN;
  run->best_test_accuracy = run->best_epoch > 0 ? history[run->best_epoch - 1].test_accuracy
                                                : NAN;
}

NnRunRecorder *
nn_run_recorder_new (NnRunStore       *store,
                     NnTrainer        *trainer,
                     const NnDataset  *ds,
                     const char       *name,
                     GError          **error)
{
  NnRunRecorder *rec;
  NnRun *run;
  char *sha[4] = { NULL };
  g_autofree char *dir = NULL;
  g_autofree char *started = NULL;
  char id[ID_LENGTH + 1];
  gint64 now;
  int fd;

  g_return_val_if_fail (store != NULL && trainer != NULL && ds != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (name != NULL && !check_name (name, error))
    return NULL;
  if (!dataset_sha256 (ds, sha, error))
    return NULL;
  started = now_iso (&now);
  for (int attempt = 0;; attempt++)
    {
      g_snprintf (id, sizeof id, "%.4s%.2s%.2s-%.2s%.2s%.2s-%04x", started, started + 5,
                  started + 8, started + 11, started + 14, started + 17,
                  g_random_int_range (0, 0x10000));
      g_free (dir);
      dir = run_dir (store, id);
      if (g_mkdir (dir, 0755) == 0)
        break;
      if (errno != EEXIST || attempt == 100)
        {
          io_error (error, errno, "Cannot make the run folder", dir);
          for (int i = 0; i < 4; i++)
            g_free (sha[i]);
          return NULL;
        }
    }
  fd = take_lock (dir, error);
  if (fd < 0)
    {
      for (int i = 0; i < 4; i++)
        g_free (sha[i]);
      remove_tree (dir, 0, NULL);
      return NULL;
    }

  rec = recorder_alloc (dir, fd);
  rec->run = run = g_new0 (NnRun, 1);
  run->id = g_strdup (id);
  run->dir = g_strdup (dir);
  run->name = g_strdup (name != NULL ? name : "");
  run->status = NN_RUN_STATUS_RUNNING;
  run->started = now;
  run->started_iso = g_steal_pointer (&started);
  run->engine_version = g_strdup (PACKAGE_VERSION);
  run_take_recipe (run, trainer);
  run->dataset_name = g_strdup (ds->name != NULL ? ds->name : "");
  /* resumed from anywhere: the folder as an absolute path */
  run->dataset_dir = ds->dir != NULL ? g_canonicalize_filename (ds->dir, NULL) : g_strdup ("");
  for (int i = 0; i < 4; i++)
    run->dataset_sha256[i] = sha[i];
  run->n_train_file = ds->train != NULL ? ds->train->n_images : 0;
  run->n_test = ds->test != NULL ? ds->test->n_images : 0;
  run->rows = ds->train != NULL ? (guint) ds->train->rows : 0;
  run->cols = ds->train != NULL ? (guint) ds->train->cols : 0;
  run->n_classes = (guint) ds->n_classes;
  run->best_val_accuracy = run->best_test_accuracy = NAN;
  recorder_take_history (rec, trainer, NULL, 0);
  if (!recorder_write (rec, TRUE, error))
    {
      recorder_free_internal (rec);
      remove_tree (dir, 0, NULL);
      return NULL;
    }
  return rec;
}

void
nn_run_recorder_add_batch (NnRunRecorder *rec,
                           double         loss,
                           guint64        images)
{
  g_return_if_fail (rec != NULL);
  curve_add (&rec->curve, loss, images, recorder_seconds (rec), rec->run->recipe.batch_size,
             rec->run->n_train);
}

gboolean
nn_run_recorder_epoch_end (NnRunRecorder       *rec,
                           NnTrainer           *trainer,
                           const NnEpochStats  *stats,
                           GError             **error)
{
  NnRun *run;
  NnRunEpoch *e;

  g_return_val_if_fail (rec != NULL && trainer != NULL && stats != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  run = rec->run;
  if (stats->is_best)
    {
      g_autoptr(NnModel) model = nn_trainer_dup_best_model (trainer, 1, error);
      g_autofree char *model_dir = g_build_filename (rec->dir, NN_RUN_MODEL_DIR, NULL);

      if (model == NULL)
        return FALSE;
      /* measured by the trainer on these very weights */
      model->test_accuracy = stats->test_accuracy;
      if (!nn_model_save (model, model_dir, error))
        return FALSE;
    }
  run->epochs = g_renew (NnRunEpoch, run->epochs, run->n_epochs + 1);
  e = &run->epochs[run->n_epochs++];
  e->stats = *stats;
  e->elapsed = recorder_seconds (rec);
  e->images = (guint64) stats->epoch * nn_trainer_get_n_train (trainer);
  if (stats->is_best)
    {
      run->best_epoch = stats->epoch;
      run->best_val_accuracy = stats->val_accuracy;
      run->best_test_accuracy = stats->test_accuracy;
    }
  run_take_recipe (run, trainer);
  curve_copy (&rec->committed, &rec->curve);
  return recorder_write (rec, TRUE, error);
}

gboolean
nn_run_recorder_set_status (NnRunRecorder  *rec,
                            NnTrainer      *trainer,
                            NnRunStatus     status,
                            const char     *message,
                            GError        **error)
{
  NnRun *run;

  g_return_val_if_fail (rec != NULL && trainer != NULL, FALSE);
  g_return_val_if_fail (status == NN_RUN_STATUS_RUNNING || status == NN_RUN_STATUS_FINISHED ||
                        status == NN_RUN_STATUS_STOPPED || status == NN_RUN_STATUS_FAILED, FALSE);

  run = rec->run;
  if (status == NN_RUN_STATUS_RUNNING)
    {
      /* batches of an epoch that was stopped are run again from the epoch's start */
      curve_copy (&rec->curve, &rec->committed);
      if (rec->session_start == 0)
        rec->session_start = g_get_monotonic_time ();
      g_clear_pointer (&run->ended_iso, g_free);
      run->ended = 0;
    }
  else
    {
      rec->base_seconds = recorder_seconds (rec);
      rec->session_start = 0;
      g_free (run->ended_iso);
      run->ended_iso = now_iso (&run->ended);
    }
  run->status = status;
  g_free (run->problem);
  run->problem = status == NN_RUN_STATUS_FAILED
                   ? g_utf8_make_valid (message != NULL ? message : "failed", -1) : NULL;
  run_take_recipe (run, trainer);
  return recorder_write (rec, FALSE, error);
}

/* The run goes on in this process: its time so far, one more resume, RUNNING, on disk. */
static gboolean
recorder_continue (NnRunRecorder  *rec,
                   NnTrainer      *trainer,
                   GError        **error)
{
  NnRun *run = rec->run;

  rec->base_seconds = run->duration;
  for (guint i = run->n_epochs; i > 0; i--)
    if (isfinite (run->epochs[i - 1].elapsed))
      {
        rec->base_seconds = run->epochs[i - 1].elapsed;
        break;
      }
  run->n_resumes++;
  run->status = NN_RUN_STATUS_RUNNING;
  g_clear_pointer (&run->problem, g_free);
  g_clear_pointer (&run->ended_iso, g_free);
  run->ended = 0;
  run_take_recipe (run, trainer);
  return recorder_write (rec, FALSE, error);
}

NnTrainer *
nn_run_store_resume (NnRunStore       *store,
                     const char       *id,
                     const NnDataset  *ds,
                     guint             n_threads,
                     GError          **error)
{
  g_autofree char *dir = NULL;
  g_autoptr(NnRun) run = NULL;
  g_autoptr(NnTrainer) trainer = NULL;
  g_autoptr(NnRunCurves) curves = NULL;
  NnRunRecorder *rec;
  guint n_recorded;
  char *sha[4] = { NULL };
  int fd;

  g_return_val_if_fail (store != NULL && ds != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_id (id, error))
    return NULL;
  dir = run_dir (store, id);
  run = read_run (dir, id, FALSE, error);
  if (run == NULL)
    return NULL;
  fd = take_lock (dir, error);
  if (fd < 0)
    return NULL;
  nn_run_free (g_steal_pointer (&run));
  run = read_run (dir, id, FALSE, error);
  if (run == NULL)
    goto fail;
  /* the lock is ours: "running" in the file means its process died */
  if (run->status == NN_RUN_STATUS_RUNNING)
    run->status = NN_RUN_STATUS_INTERRUPTED;
  if (!nn_run_can_resume (run))
    {
      g_set_error (error, NN_RUN_ERROR, NN_RUN_ERROR_NO_CHECKPOINT,
                   "Run %s has no checkpoint to resume from (no epoch ended)", id);
      goto fail;
    }
  if (!dataset_sha256 (ds, sha, error))
    goto fail;
  for (int i = 0; i < 4; i++)
    {
      gboolean differ = sha[i][0] != '\0' && run->dataset_sha256[i][0] != '\0' &&
                        strcmp (sha[i], run->dataset_sha256[i]) != 0;

      g_free (sha[i]);
      sha[i] = NULL;
      if (differ)
        {
          for (int k = i + 1; k < 4; k++)
            g_free (sha[k]);
          g_set_error (error, NN_RUN_ERROR, NN_RUN_ERROR_MISMATCH,
                       "Run %s was trained on other data: the files of %s differ from those "
                       "it recorded", id, ds->dir != NULL ? ds->dir : ds->name);
          goto fail;
        }
    }
  {
    g_autofree char *checkpoint = g_build_filename (dir, NN_RUN_CHECKPOINT_FILE, NULL);

    trainer = nn_trainer_new_from_checkpoint (checkpoint, ds, n_threads, error);
    if (trainer == NULL)
      goto fail;
  }
  /* the curve and epochs up to the checkpoint: the files may lag behind it, never lead */
  curves = parse_curves (dir, NULL);
  n_recorded = MIN (run->n_epochs, nn_trainer_get_epochs_done (trainer));

  rec = recorder_alloc (dir, fd);
  fd = -1;
  rec->run = g_steal_pointer (&run);
  recorder_take_history (rec, trainer, curves, n_recorded);
  if (!recorder_continue (rec, trainer, error))
    {
      recorder_free_internal (rec);
      return NULL;
    }
  nn_trainer_set_recorder (trainer, rec);
  return g_steal_pointer (&trainer);

fail:
  release_lock (fd);
  return NULL;
}
