/* nn-run-store.h: the run history — one folder per training run, recorded as it happens */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "nn-dataset.h"
#include "nn-trainer.h"

G_BEGIN_DECLS

/* A store is a folder of runs, by default $XDG_DATA_HOME/digit-lab/runs (the environment
 * variable DIGIT_LAB_RUNS_DIR, when set, names another one). One folder per run, named by its id:
 *
 *   runs/20261130-031522-ab12/     id: the start time (UTC) and 4 random hex digits; sorts by time
 *     run.json       the recipe, dataset, engine, times, status and every epoch (NN_RUN_FILE)
 *     curves.json    the per-batch training loss, at most NN_RUN_MAX_CURVE_POINTS points
 *     model/         the best epoch so far: a normal model folder (nn_model_load reads it)
 *     checkpoint     the last complete epoch, to resume from (nn-checkpoint.h)
 *     lock           held (flock) by the process that records the run, while it runs
 *   runs/trash/<id>/                runs moved aside by nn_run_store_trash, until restored or purged
 *
 * Each epoch's end writes checkpoint, model/ (when the epoch is the best so far), curves.json and
 * run.json in that order, each atomically (a temporary file synced and renamed, then the folder
 * synced): a killed process loses at most the epoch in progress. The run.json of a process that
 * died says "running" while its lock is free: such a run is reported INTERRUPTED.
 *
 * run.json (format "digit-lab-run", version 1) holds: id, name, status, error (the message of a
 * failed run, else null), started and ended (ISO 8601 UTC, ended null until the run ends),
 * duration (seconds of training and evaluation over all sessions), engine_version, resumes, the
 * recipe (spec, epochs, batch_size, optimizer, learning_rate, beta1, beta2, eps, momentum,
 * weight_decay, rotation_degrees, validation_size, seed as a decimal string, evaluate_test),
 * threads and kernel, the dataset (name, dir, n_train_file, n_test, rows, cols, n_classes and
 * the SHA-256 of its four files as in the integrity report), n_params, n_train, epochs (one
 * object per epoch: the NnEpochStats fields, plus elapsed: run seconds at the epoch's end, and
 * images: training images seen by then), best_epoch, best_val_accuracy, best_test_accuracy.
 * Numbers are written by the nn-json writers (the same bytes in every locale); a loss or
 * accuracy that was not measured is null.
 *
 * curves.json (format "digit-lab-curves", version 1): {"span": S, "points": [[step, images,
 * seconds, count, min, mean, max], …]}. Each point sums up `count` consecutive batches (the mean
 * per-image training loss of each batch: its min, mean and max, so a chart can draw the mean
 * with an envelope), ending at optimiser step `step`, after `images` training images and
 * `seconds` of the run. Every point but the last covers at least S batches; when the list is full
 * (NN_RUN_MAX_CURVE_POINTS), neighbours are merged in pairs and S doubles, so a run of any length
 * keeps at most that many points at an even resolution. An epoch's last batch, when it holds
 * fewer images than a batch (what is left of the training set), joins the point before it in the
 * same epoch, its loss weighted by its images: a few images' mean would show as a spike or a
 * plunge at every epoch's end. So a point holds up to 2·S batches, and its count is always the
 * steps since the point before. An epoch's elapsed may be null (not measured: epochs brought
 * along from a checkpoint file) or absent.
 *
 * Threads: a store holds only its folder's path, so its functions may run on any thread, at the
 * same time as each other and as a recorder (they read whole files that are replaced
 * atomically). A recorder belongs to the thread that runs its trainer.
 *
 * How the app uses it: nn_run_store_new (NULL) once, and nn_run_store_purge (store, NULL) at
 * start to clear what an earlier session left in the trash. To train: nn_trainer_new, then
 * nn_run_recorder_new and nn_trainer_set_recorder (on the worker thread, since it hashes the
 * data), then nn_trainer_run; nn_run_recorder_get_id names the run. The Runs view lists with
 * nn_run_store_list, reads the curves of selected runs with nn_run_load_curves, uses a run's
 * model through nn_run_dup_model_dir, resumes with nn_run_store_resume (then nn_trainer_run on
 * the worker), deletes with nn_run_store_trash (undo: nn_run_store_restore; when the toast goes:
 * nn_run_store_purge (store, id)), and shows nn_run_store_get_disk_usage. */

#define NN_RUN_ERROR (nn_run_error_quark ())
GQuark nn_run_error_quark (void);

typedef enum
{
  NN_RUN_ERROR_NOT_FOUND,       /* no run of that id (or the id is not one) */
  NN_RUN_ERROR_DAMAGED,         /* its run.json or curves.json is missing, malformed, out of bounds */
  NN_RUN_ERROR_BUSY,            /* a live process records it: it cannot be resumed, moved, renamed */
  NN_RUN_ERROR_BAD_NAME,        /* a name that is empty, too long, or not UTF-8 */
  NN_RUN_ERROR_IO,
  NN_RUN_ERROR_MISMATCH,        /* resuming on a dataset whose files differ from the run's */
  NN_RUN_ERROR_NO_CHECKPOINT,   /* nothing to resume from: no epoch ended */
} NnRunError;

typedef enum
{
  NN_RUN_STATUS_RUNNING,
  NN_RUN_STATUS_FINISHED,       /* every planned epoch done */
  NN_RUN_STATUS_STOPPED,        /* asked to stop (should_stop) */
  NN_RUN_STATUS_INTERRUPTED,    /* its process died while it ran */
  NN_RUN_STATUS_FAILED,         /* diverged, or could not write its files; see NnRun.problem */
  NN_RUN_STATUS_DAMAGED,        /* the folder cannot be read; see NnRun.problem */
} NnRunStatus;

#define NN_RUN_FILE            "run.json"
#define NN_RUN_CURVES_FILE     "curves.json"
#define NN_RUN_MODEL_DIR       "model"
#define NN_RUN_CHECKPOINT_FILE "checkpoint"
#define NN_RUN_LOCK_FILE       "lock"
#define NN_RUN_TRASH_DIR       "trash"
#define NN_RUN_FORMAT_VERSION  1

#define NN_RUN_MAX_CURVE_POINTS 4096
#define NN_RUN_MAX_NAME         256                   /* bytes of a run's name */
#define NN_RUN_MAX_FILE         ((gsize) 16 << 20)    /* run.json */
#define NN_RUN_MAX_CURVES_FILE  ((gsize) 4 << 20)     /* curves.json */

/* One epoch as recorded. */
typedef struct
{
  NnEpochStats stats;
  double       elapsed;          /* run seconds at the epoch's end; NAN when unknown */
  guint64      images;           /* training images seen by the epoch's end */
} NnRunEpoch;

/* A run as read from its folder: everything owned, freed by nn_run_free. A DAMAGED run has
 * only id, dir, status, problem and started (from the id) set. */
typedef struct
{
  char          *id;
  char          *dir;             /* the run's folder */
  char          *name;            /* never NULL; "" when unnamed */
  NnRunStatus    status;
  char          *problem;         /* why it is DAMAGED or FAILED; NULL otherwise */

  gint64         started;         /* Unix time, UTC */
  gint64         ended;           /* 0 while running, or when interrupted */
  char          *started_iso;     /* "2026-11-30T03:15:22Z"; NULL for a damaged run */
  char          *ended_iso;       /* NULL when ended is 0 */
  double         duration;        /* seconds, all sessions */
  char          *engine_version;
  guint          n_resumes;

  NnTrainConfig  recipe;          /* n_threads as asked (0: one per core); no checkpoint_path */
  guint          threads;         /* the threads it ran with */
  char          *kernel;          /* the GEMM kernel, e.g. "avx2-fma" */

  char          *dataset_name;
  char          *dataset_dir;
  char          *dataset_sha256[4];   /* train images, train labels, test images, test labels;
                                       * "" when the dataset had no file (generated in memory) */
  guint64        n_train_file;    /* images in the training file */
  guint64        n_test;
  guint          rows, cols, n_classes;
  guint64        n_params;
  guint64        n_train;         /* training images (the file less the validation split) */

  NnRunEpoch    *epochs;          /* (n_epochs) */
  guint          n_epochs;
  guint          best_epoch;      /* 0 before the first epoch ended */
  double         best_val_accuracy;   /* NAN before the first epoch */
  double         best_test_accuracy;  /* of the best epoch; NAN when not measured */
} NnRun;

typedef struct
{
  guint64 step;                   /* optimiser step of the point's last batch, from 1 */
  guint64 images;                 /* training images seen after it */
  double  seconds;                /* run seconds after it */
  guint64 count;                  /* batches in the point */
  double  min, mean, max;         /* of the batches' mean loss; the mean weighted by images */
} NnRunCurvePoint;

typedef struct
{
  guint64          span;          /* batches per point (the last may have fewer); a power of 2 */
  NnRunCurvePoint *points;        /* (n_points) */
  size_t           n_points;
} NnRunCurves;

typedef struct _NnRunStore NnRunStore;
typedef struct _NnRunRecorder NnRunRecorder;

/* ---- the store -------------------------------------------------------------------------- */

/* DIGIT_LAB_RUNS_DIR when set and not empty, else $XDG_DATA_HOME/digit-lab/runs. */
char          *nn_run_store_dup_default_dir (void);
/* Opens the store in dir (NULL: the default one), creating the folder if needed. */
NnRunStore    *nn_run_store_new            (const char   *dir,
                                            GError      **error);
void           nn_run_store_free           (NnRunStore   *store);
const char    *nn_run_store_get_dir        (const NnRunStore *store);

/* Whether text has the form of a run id (it may still name no run). */
gboolean       nn_run_id_is_valid          (const char   *text);

/* Every run, oldest first (by start time, then id), as NnRun (free with g_ptr_array_unref).
 * Folders named like a run that cannot be read are listed as DAMAGED with the reason; anything
 * else in the store (trash, temporary folders, stray files) is skipped. Fails only when the
 * store's folder cannot be read. */
GPtrArray     *nn_run_store_list           (NnRunStore   *store,
                                            GError      **error);
/* One run; a folder that cannot be read is an NN_RUN_ERROR_DAMAGED error saying why. */
NnRun         *nn_run_store_load           (NnRunStore   *store,
                                            const char   *id,
                                            GError      **error);
/* The run a user means by text: an id, a prefix of exactly one id, or "last" (the newest). */
NnRun         *nn_run_store_find           (NnRunStore   *store,
                                            const char   *text,
                                            GError      **error);

/* Renames a run (name: UTF-8, at most NN_RUN_MAX_NAME bytes; "" clears it). A run recorded by a
 * live process is BUSY: its recorder rewrites run.json at every epoch. */
gboolean       nn_run_store_rename         (NnRunStore   *store,
                                            const char   *id,
                                            const char   *name,
                                            GError      **error);
/* Moves a run into trash/ (an undo can restore it), refused while it runs (BUSY). Damaged runs
 * can be trashed too. */
gboolean       nn_run_store_trash          (NnRunStore   *store,
                                            const char   *id,
                                            GError      **error);
gboolean       nn_run_store_restore        (NnRunStore   *store,
                                            const char   *id,
                                            GError      **error);
/* Deletes a trashed run for good, or every trashed run when id is NULL. */
gboolean       nn_run_store_purge          (NnRunStore   *store,
                                            const char   *id,
                                            GError      **error);
/* Trash, then purge: the run is gone. */
gboolean       nn_run_store_delete         (NnRunStore   *store,
                                            const char   *id,
                                            GError      **error);
/* The ids in trash/, oldest first (a GPtrArray of strings). */
GPtrArray     *nn_run_store_list_trash     (NnRunStore   *store,
                                            GError      **error);
/* Moves every run that started before `before` (Unix time) into the trash, except running
 * ones; *n_trashed (nullable) counts them. Stops at the first failure. */
gboolean       nn_run_store_trash_before   (NnRunStore   *store,
                                            gint64        before,
                                            guint        *n_trashed,
                                            GError      **error);
/* Bytes on disk (allocated blocks) of the whole store, trash included, and of its trash alone
 * (nullable). Links are not followed. */
guint64        nn_run_store_get_disk_usage (NnRunStore   *store,
                                            guint64      *trash_bytes);

/* Goes on with a run from its checkpoint: the dataset must have the files the run was trained
 * on (the same SHA-256; NN_RUN_ERROR_MISMATCH otherwise). Returns a trainer that records into
 * the run (it owns the recorder), with status RUNNING; nn_trainer_set_epochs may extend it.
 * Errors: NOT_FOUND, DAMAGED, BUSY, NO_CHECKPOINT, MISMATCH, and the checkpoint's errors. */
NnTrainer     *nn_run_store_resume         (NnRunStore   *store,
                                            const char   *id,
                                            const NnDataset *dataset,
                                            guint         n_threads,
                                            GError      **error);

/* ---- a run ----------------------------------------------------------------------------- */

void           nn_run_free                 (NnRun        *run);
const char    *nn_run_status_to_string     (NnRunStatus   status);
/* Bytes on disk of the run's folder. */
guint64        nn_run_get_disk_usage       (const NnRun  *run);
/* The best model's folder (for nn_model_load), or NULL when no epoch ended or it is not a
 * folder of regular files. Its config.json's training.best_epoch names the epoch the weights
 * are from: after a kill between the model's write and run.json's, one past run.json's
 * best_epoch. */
char          *nn_run_dup_model_dir        (const NnRun  *run);
/* Whether nn_run_store_resume can go on with it: not running, not damaged, a checkpoint. */
gboolean       nn_run_can_resume           (const NnRun  *run);

/* The per-batch loss; a run without curves.json has none (an empty NnRunCurves). */
NnRunCurves   *nn_run_load_curves          (const NnRun  *run,
                                            GError      **error);
void           nn_run_curves_free          (NnRunCurves  *curves);

/* Exports, in the C locale's format whatever the locale (numbers read back to the same
 * doubles; an unmeasured value is an empty CSV field or JSON null):
 * epochs CSV: epoch,train_loss,train_accuracy,val_loss,val_accuracy,test_loss,test_accuracy,
 *             seconds,samples_per_second,elapsed,images,best
 * loss CSV:   step,images,seconds,count,min,mean,max
 * JSON:       the run (as in run.json) with "curves" added when curves is not NULL. */
char          *nn_run_epochs_to_csv        (const NnRun  *run);
char          *nn_run_curves_to_csv        (const NnRunCurves *curves);
char          *nn_run_to_json              (const NnRun  *run,
                                            const NnRunCurves *curves);

/* ---- recording -------------------------------------------------------------------------- */

/* Starts a new run of trainer on dataset: makes its folder, takes its lock and writes run.json
 * with status RUNNING; hashes the dataset's files (about 0.2 s for MNIST). A trainer resumed from
 * a checkpoint file brings its epochs along (their times unknown). Pass the recorder to
 * nn_trainer_set_recorder, which owns it from then on. name may be NULL. */
NnRunRecorder *nn_run_recorder_new         (NnRunStore   *store,
                                            NnTrainer    *trainer,
                                            const NnDataset *dataset,
                                            const char   *name,
                                            GError      **error);
/* Releases the lock; a run still RUNNING is then reported INTERRUPTED. */
void           nn_run_recorder_free        (NnRunRecorder *recorder);
const char    *nn_run_recorder_get_id      (const NnRunRecorder *recorder);
const char    *nn_run_recorder_get_dir     (const NnRunRecorder *recorder);
/* Where the trainer writes the run's checkpoint. */
const char    *nn_run_recorder_get_checkpoint_path (const NnRunRecorder *recorder);

/* Called by the trainer (any one thread at a time; no I/O, no allocation once the curve is
 * full): one batch's mean loss per image, and the training images seen after it. */
void           nn_run_recorder_add_batch   (NnRunRecorder *recorder,
                                            double        loss,
                                            guint64       images);
/* Called by the trainer after an epoch's checkpoint is written: saves model/ when the epoch is
 * the best so far, then curves.json and run.json. */
gboolean       nn_run_recorder_epoch_end   (NnRunRecorder *recorder,
                                            NnTrainer    *trainer,
                                            const NnEpochStats *stats,
                                            GError      **error);
/* Writes the status (RUNNING, FINISHED, STOPPED or FAILED with message) into run.json; the
 * trainer calls it as nn_trainer_run starts and ends. */
gboolean       nn_run_recorder_set_status  (NnRunRecorder *recorder,
                                            NnTrainer    *trainer,
                                            NnRunStatus   status,
                                            const char   *message,
                                            GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnRunStore, nn_run_store_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnRun, nn_run_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnRunCurves, nn_run_curves_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnRunRecorder, nn_run_recorder_free)

G_END_DECLS
