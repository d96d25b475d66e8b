/* dl-session.h: what the pages share — dataset, model, evaluation, training, download */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "dl-fetch-private.h"
#include "dl-training.h"
#include "nn-dataset.h"
#include "nn-metrics.h"
#include "nn-model.h"

G_BEGIN_DECLS

/* NnDataset and NnModel as boxed types (a copy is a reference), for properties */
#define DL_TYPE_DATASET (dl_dataset_get_type ())
#define DL_TYPE_MODEL   (dl_model_get_type ())
GType dl_dataset_get_type (void) G_GNUC_CONST;
GType dl_model_get_type   (void) G_GNUC_CONST;

/* The image every page that explains a prediction looks at: the drawing on the Draw page, the
 * image selected on the Dataset page, or an opened picture. Immutable once made, shared by
 * reference (a copy is a reference). */
typedef enum
{
  DL_INPUT_DRAWING,
  DL_INPUT_DATASET,
  DL_INPUT_FILE,
} DlInputSource;

typedef struct
{
  DlInputSource    source;
  float           *pixels;       /* (height, width) in [0, 1], ink 1, as the network takes it */
  size_t           width, height;
  gboolean         is_test;      /* DL_INPUT_DATASET: which split, and the index in it */
  guint            index;
  int              label;        /* DL_INPUT_DATASET: the true class; else −1 */
  gatomicrefcount  ref_count;
} DlInput;

#define DL_TYPE_INPUT (dl_input_get_type ())
GType     dl_input_get_type (void) G_GNUC_CONST;
/* pixels (height, width) are copied. */
DlInput  *dl_input_new      (DlInputSource  source,
                             const float   *pixels,
                             size_t         width,
                             size_t         height);
DlInput  *dl_input_ref      (DlInput       *input);
void      dl_input_unref    (DlInput       *input);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlInput, dl_input_unref)

#define DL_TYPE_SESSION (dl_session_get_type ())
G_DECLARE_FINAL_TYPE (DlSession, dl_session, DL, SESSION, GObject)

/* Properties, each notified only when it really changes:
 *   dataset                 NnDataset (boxed), or NULL
 *   model                   NnModel (boxed), or NULL: the one every page uses
 *   model-description       where it came from, for people: "Built-in model", "Trained at 14:02",
 *                           "Opened from model.safetensors"
 *   evaluation              NnEvaluation of model on dataset's test set (pointer), or NULL;
 *                           dropped when either changes
 *   training                DlTraining: the one run; read-only
 *   fashion-available       whether Debian's Fashion-MNIST package is installed; read-only
 *   downloading             whether Get MNIST is fetching; read-only
 *   download-fraction       in [0, 1], or negative when no download runs
 *   download-text           what is being fetched, or NULL
 *   download-error          why the last download failed, as a sentence for people, or NULL
 *   download-error-details  the technical reason behind it (sources, addresses), or NULL
 *   compared-runs           the runs overlaid on the Train page (GPtrArray of NnRun); read-only
 *   input                   DlInput (boxed): the image the explaining views look at, or NULL;
 *                           set by the page that shows it (Draw, Dataset, an opened picture)
 * Signals: "show-test-image" (guint), "show-image" (gboolean is_test, guint index): one image of
 * either split to show on the Dataset page; "runs-changed" (the run store changed). */

DlSession  *dl_session_new                  (void);

NnDataset  *dl_session_get_dataset          (DlSession    *self);
/* Takes a reference. While training runs it borrows the dataset in use: a new one waits, then
 * becomes the session's when the run stops. */
void        dl_session_set_dataset          (DlSession    *self,
                                             NnDataset    *dataset);

NnModel    *dl_session_get_model            (DlSession    *self);
const char *dl_session_get_model_description (DlSession   *self);
/* Takes a reference. Every page switches to it in the notification, then the old one goes. */
void        dl_session_set_model            (DlSession    *self,
                                             NnModel      *model,
                                             const char   *description);

/* As dl_session_set_model, and remembered for the next start (GSettings model-path and
 * model-description): the model trained last or opened. path NULL forgets it. */
void        dl_session_set_model_from_path  (DlSession    *self,
                                             NnModel      *model,
                                             const char   *description,
                                             const char   *path);
/* Loads the remembered model on a worker; finish: TRUE when it is the session's now, FALSE with
 * no error when none is remembered, FALSE with an error when it is gone or unreadable (then it
 * is forgotten, and the model in use stays). */
void        dl_session_restore_model_async  (DlSession           *self,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean    dl_session_restore_model_finish (DlSession           *self,
                                             GAsyncResult        *result,
                                             GError             **error);
/* The runs chosen in the Runs view, their curves overlaid on the Train page's charts: a
 * GPtrArray of NnRun (nn-run-store.h), never NULL; the "compared-runs" property. set takes
 * ownership (NULL: none). */
GPtrArray  *dl_session_get_compared_runs    (DlSession    *self);
void        dl_session_set_compared_runs    (DlSession    *self,
                                             GPtrArray    *runs);
/* Emits "runs-changed": the run store changed (training emits it by itself). */
void        dl_session_notify_runs_changed  (DlSession    *self);

const NnEvaluation *dl_session_get_evaluation (DlSession  *self);
/* Takes ownership: the evaluation of the session's model on its dataset's test set. */
void        dl_session_take_evaluation      (DlSession    *self,
                                             NnEvaluation *evaluation);

DlTraining *dl_session_get_training         (DlSession    *self);

/* The current input (borrowed), or NULL. */
DlInput    *dl_session_get_input            (DlSession    *self);
/* Takes a reference; notifies "input" when it is another one. */
void        dl_session_set_input            (DlSession    *self,
                                             DlInput      *input);

/* One image of either split to show, asked by one page of another: emits "show-image". */
void        dl_session_show_image           (DlSession    *self,
                                             gboolean      is_test,
                                             guint         index);

/* One test image to show, asked by one page of another: emits "show-test-image" (guint). */
void        dl_session_show_test_image      (DlSession    *self,
                                             guint         index);

gboolean    dl_session_get_fashion_available (DlSession   *self);
gboolean    dl_session_get_downloading      (DlSession    *self);
double      dl_session_get_download_fraction (DlSession   *self);
const char *dl_session_get_download_text    (DlSession    *self);
const char *dl_session_get_download_error   (DlSession    *self);
const char *dl_session_get_download_error_details (DlSession *self);
/* What every status page shows of the download: fraction < 0 when none runs; an error for
 * people and its details, or NULL. */
void        dl_session_set_download_state   (DlSession    *self,
                                             double        fraction,
                                             const char   *text,
                                             const char   *error,
                                             const char   *details);

/* Fetches MNIST into the cache on a worker, updating the download properties as it goes; the
 * result is the folder. Cancelling cancellable, or dl_session_cancel_download, stops it. */
void        dl_session_fetch_mnist_async    (DlSession           *self,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
char       *dl_session_fetch_mnist_finish   (DlSession           *self,
                                             GAsyncResult        *result,
                                             GError             **error);
void        dl_session_cancel_download      (DlSession           *self);
/* Tests: Get MNIST then tries only these mirrors, expecting table's checksums (NULL: the real
 * ones); mirrors NULL goes back to the real sources. Both are copied. */
void        dl_session_set_fetch_source     (DlSession             *self,
                                             const char *const     *mirrors,
                                             const DlFetchChecksum *table);

/* Reads a dataset folder on a worker (55 MB must not freeze a frame); on success it becomes the
 * session's dataset, as dl_session_set_dataset. */
void        dl_session_load_dataset_async   (DlSession           *self,
                                             const char          *dir,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean    dl_session_load_dataset_finish  (DlSession           *self,
                                             GAsyncResult        *result,
                                             GError             **error);

G_END_DECLS
