/* dl-window-files.c: what the window reads and writes — files opened or dropped (one queue, in
 * order), dataset folders, models saved, Hugging Face exports — each on a worker */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dl-window-private.h"

#include <glib/gi18n.h>

#include "nn-evaluate.h"
#include "nn-export.h"
#include "nn-model.h"
#include "nn-png.h"
#include "nn-preprocess.h"

/* Opened from a file: the model description pages can show. */
static char *
describe_opened (const char *path)
{
  g_autofree char *name = g_path_get_basename (path);

  /* Translators: where the model in use came from; a file or folder name */
  return g_strdup_printf (_("Opened from %s"), name);
}

typedef struct
{
  DlWindow    *self;     /* a reference */
  DlLoadFlags  flags;
} LoadRequest;

static void
on_dataset_loaded (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  LoadRequest *request = user_data;
  g_autoptr(DlWindow) self = request->self;
  DlLoadFlags flags = request->flags;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  gboolean ok, had_dataset;

  ok = dl_session_load_dataset_finish (DL_SESSION (source), result, &error);
  /* the window is closing: nothing to show */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_free (request);
      return;
    }
  /* only a dataset that loaded replaces the one in use */
  had_dataset = dl_session_get_dataset (self->session) != NULL;
  if (ok)
    {
      if (flags & DL_LOAD_REMEMBER)
        g_settings_set_string (self->settings, "last-dataset-folder",
                               g_task_get_task_data (G_TASK (result)));
    }
  /* a folder that is not a dataset leaves the one in use */
  else if (flags & (DL_LOAD_REPORT_ERRORS | DL_LOAD_AFTER_DOWNLOAD))
    {
      message = g_strdup_printf (_("Could not open the dataset: %s"), error->message);
      if (had_dataset)
        {
          /* Translators: the engine's reason, then what it means for the app */
          g_autofree char *body = g_strdup_printf (_("%s\n\nThe dataset in use has not changed."),
                                                   error->message);

          _dl_window_show_error (self, _("Could Not Open the Dataset"), body);
        }
      else
        _dl_window_show_error (self, _("Could Not Open the Dataset"), error->message);
    }
  else
    g_debug ("no dataset yet: %s", error->message);
  if (flags & DL_LOAD_AFTER_DOWNLOAD)
    {
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.get-mnist", TRUE);
      dl_session_set_download_state (self->session, -1, NULL, message, NULL);
    }
  g_free (request);
}

void
_dl_window_load_dataset (DlWindow    *self,
                         const char  *dir,
                         DlLoadFlags  flags)
{
  LoadRequest *request = g_new0 (LoadRequest, 1);

  request->self = g_object_ref (self);
  request->flags = flags;
  dl_session_load_dataset_async (self->session, dir, self->cancellable, on_dataset_loaded,
                                 request);
}

void
dl_window_open_dataset_folder (DlWindow *self,
                               GFile    *file)
{
  g_autofree char *path = NULL;

  g_return_if_fail (DL_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  path = g_file_get_path (file);
  if (path == NULL)
    {
      _dl_window_show_error (self, _("Could Not Open the Dataset"),
                             _("Only local folders can be opened"));
      return;
    }
  _dl_window_load_dataset (self, path, DL_LOAD_REPORT_ERRORS | DL_LOAD_REMEMBER);
}

gboolean
dl_window_open_model (DlWindow    *self,
                      const char  *path,
                      GError     **error)
{
  g_autoptr(NnModel) model = nn_model_load (path, 1, error);
  g_autofree char *description = NULL;
  g_autofree char *absolute = NULL;

  if (model == NULL)
    return FALSE;
  description = describe_opened (path);
  absolute = g_canonicalize_filename (path, NULL);
  dl_session_set_model_from_path (self->session, model, description, absolute);
  return TRUE;
}

/* Files the user opens (menu, drop, Open With) are read on a worker, one after the other, in
 * the order they came: a model, then a picture, classifies the picture with that model. */
typedef enum
{
  OPEN_MODEL,
  OPEN_IMAGE,
} OpenKind;

typedef struct
{
  OpenKind  kind;
  char     *path;
  NnModel  *model;              /* what the worker read */
  guint8   *gray;               /* (height, width) */
  size_t    width, height;
} OpenJob;

static void
open_job_free (OpenJob *job)
{
  g_free (job->path);
  g_clear_pointer (&job->model, nn_model_unref);
  g_free (job->gray);
  g_free (job);
}

static void
open_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  OpenJob *job = task_data;
  GError *error = NULL;
  gboolean ok;

  /* the engine reads regular files only, under a size cap: /dev/zero or a FIFO is refused at
   * once; a large model is read here, off the main thread */
  if (job->kind == OPEN_MODEL)
    ok = (job->model = nn_model_load (job->path, 1, &error)) != NULL;
  else
    ok = (job->gray = nn_png_load_gray (job->path, &job->width, &job->height, &error)) != NULL;
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void open_next (DlWindow *self);

static void
show_open_error (DlWindow   *self,
                 OpenKind    kind,
                 const char *reason)
{
  if (kind == OPEN_MODEL && dl_session_get_model (self->session) != NULL)
    {
      /* Translators: the engine's reason, then what it means for the app */
      g_autofree char *body = g_strdup_printf (_("%s\n\nThe model in use has not changed."),
                                               reason);

      _dl_window_show_error (self, _("Could Not Open the Model"), body);
    }
  else
    _dl_window_show_error (self, kind == OPEN_MODEL ? _("Could Not Open the Model")
                                                    : _("Could Not Classify the Image"), reason);
}

static void
use_opened_model (DlWindow *self,
                  OpenJob  *job)
{
  g_autofree char *description = describe_opened (job->path);
  g_autofree char *absolute = g_canonicalize_filename (job->path, NULL);

  dl_session_set_model_from_path (self->session, job->model, description, absolute);
  /* the same check the Draw page makes: the canvas gives one channel of 28 × 28 */
  if (!nn_model_check_input (job->model, 1, NN_PREPROCESS_SIZE, NN_PREPROCESS_SIZE, NULL))
    {
      /* short enough for a narrow window; the Draw page says why it cannot use the model */
      AdwToast *toast = adw_toast_new (_("Model opened, not for drawings"));

      adw_toast_set_button_label (toast, _("Details"));
      adw_toast_set_detailed_action_name (toast, "win.show-page::draw");
      _dl_window_present_toast (self, toast);
    }
  else
    dl_window_show_toast (self, _("Model opened"));
}

static void
on_opened (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  OpenJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  DlWindow *self;
  DlDrawPage *draw;

  /* the window is closing: nothing to show */
  if (g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))))
    return;
  self = DL_WINDOW (source);
  self->open_running = FALSE;
  draw = dl_window_get_draw_page (self);
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    show_open_error (self, job->kind, error->message);
  else if (job->kind == OPEN_MODEL)
    use_opened_model (self, job);
  else if (!dl_draw_page_classify_pixels (draw, job->gray, job->width, job->height, &error))
    show_open_error (self, job->kind, error->message);
  else
    dl_page_present (DL_PAGE (draw));
  open_next (self);
}

static void
open_next (DlWindow *self)
{
  OpenJob *job;
  g_autoptr(GTask) task = NULL;

  if (self->open_running || (job = g_queue_pop_head (&self->opening)) == NULL)
    return;
  self->open_running = TRUE;
  task = g_task_new (self, self->cancellable, on_opened, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) open_job_free);
  g_task_run_in_thread (task, open_thread);
}

static void
open_later (DlWindow *self,
            OpenKind  kind,
            GFile    *file)
{
  g_autofree char *path = g_file_get_path (file);
  OpenJob *job;

  if (path == NULL)
    {
      show_open_error (self, kind, _("Only files on this computer can be opened"));
      return;
    }
  job = g_new0 (OpenJob, 1);
  job->kind = kind;
  job->path = g_steal_pointer (&path);
  g_queue_push_tail (&self->opening, job);
  open_next (self);
}

void
dl_window_open_model_file (DlWindow *self,
                           GFile    *file)
{
  g_return_if_fail (DL_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));
  open_later (self, OPEN_MODEL, file);
}

void
dl_window_open_image (DlWindow *self,
                      GFile    *file)
{
  g_return_if_fail (DL_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));
  open_later (self, OPEN_IMAGE, file);
}

/* A folder, a .safetensors file or a config.json is a model; anything else a picture. */
void
dl_window_open_file (DlWindow *self,
                     GFile    *file)
{
  g_autofree char *name = NULL;
  g_autofree char *lower = NULL;
  gboolean model;

  g_return_if_fail (DL_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  name = g_file_get_basename (file);
  lower = name != NULL ? g_ascii_strdown (name, -1) : NULL;
  model = g_file_query_file_type (file, G_FILE_QUERY_INFO_NONE, NULL) == G_FILE_TYPE_DIRECTORY ||
          (lower != NULL && (g_str_has_suffix (lower, ".safetensors") ||
                             g_strcmp0 (lower, NN_MODEL_CONFIG_FILE) == 0));
  open_later (self, model ? OPEN_MODEL : OPEN_IMAGE, file);
}

gboolean
dl_window_is_opening (DlWindow *self)
{
  g_return_val_if_fail (DL_IS_WINDOW (self), FALSE);
  return self->open_running || !g_queue_is_empty (&self->opening);
}

/* Files dropped anywhere on the window: models become the one in use, pictures are classified. */
static gboolean
on_drop (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         DlWindow      *self)
{
  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      GSList *files = gdk_file_list_get_files (g_value_get_boxed (value));
      gboolean any = files != NULL;

      for (GSList *l = files; l != NULL; l = l->next)
        dl_window_open_file (self, l->data);
      g_slist_free (files);
      return any;
    }
  if (G_VALUE_HOLDS (value, G_TYPE_FILE) && g_value_get_object (value) != NULL)
    {
      dl_window_open_file (self, g_value_get_object (value));
      return TRUE;
    }
  return FALSE;
}

typedef struct
{
  NnModel    *model;      /* a copy */
  NnImageSet *test;       /* a reference */
  char       *dir;
} ExportJob;

static void
export_job_free (ExportJob *job)
{
  g_clear_pointer (&job->model, nn_model_unref);
  nn_image_set_unref (job->test);
  g_free (job->dir);
  g_free (job);
}

/* Evaluates on the test set, then writes the folder: the card's numbers are this evaluation's. */
static void
export_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ExportJob *job = task_data;
  g_autoptr(NnEvaluation) ev = nn_evaluate_images (job->model->net, job->test, NULL, 0,
                                                   &job->model->norm);
  GError *error = NULL;

  job->model->test_accuracy = ev->accuracy;
  if (nn_export_hugging_face (job->model, ev, job->test, job->dir, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
on_exported (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        _dl_window_show_error (DL_WINDOW (source), _("Could Not Export"), error->message);
      return;
    }
  dl_window_show_toast (DL_WINDOW (source), _("Exported for the Hugging Face Hub"));
}

gboolean
dl_window_export (DlWindow    *self,
                  const char  *dir,
                  GError     **error)
{
  NnModel *model = dl_session_get_model (self->session);
  NnDataset *dataset = dl_session_get_dataset (self->session);
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) unfit = NULL;
  ExportJob *job;

  if (model == NULL || dataset == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("Exporting needs a model and the dataset it was made for, to measure it"));
      return FALSE;
    }
  /* the card's numbers are measured on the dataset: only on one the model was made for */
  if (!nn_model_check_dataset (model, dataset, &unfit))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("The model cannot be measured on this dataset: %s"), unfit->message);
      return FALSE;
    }
  job = g_new0 (ExportJob, 1);
  /* the worker's own weights: the model in use may change while it runs */
  job->model = nn_model_copy (model, g_get_num_processors (), error);
  if (job->model == NULL)
    {
      export_job_free (job);
      return FALSE;
    }
  job->test = nn_image_set_ref (dataset->test);
  job->dir = g_strdup (dir);
  task = g_task_new (self, self->cancellable, on_exported, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) export_job_free);
  g_task_run_in_thread (task, export_thread);
  return TRUE;
}

void
_dl_window_files_init (DlWindow *self)
{
  GtkDropTarget *drop = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  /* the folder opened last, else the download cache */
  g_autofree char *last = g_settings_get_string (self->settings, "last-dataset-folder");
  g_autofree char *dir = last[0] != '\0' && g_file_test (last, G_FILE_TEST_IS_DIR)
                           ? g_strdup (last) : dl_fetch_get_default_dir ();

  gtk_drop_target_set_gtypes (drop, (GType[]) { GDK_TYPE_FILE_LIST, G_TYPE_FILE }, 2);
  g_signal_connect (drop, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
  if (g_file_test (dir, G_FILE_TEST_IS_DIR))
    _dl_window_load_dataset (self, dir, DL_LOAD_QUIETLY);
}

void
_dl_window_files_dispose (DlWindow *self)
{
  g_queue_clear_full (&self->opening, (GDestroyNotify) open_job_free);
}
