/* dl-runs-page.h: every recorded run, compared side by side and overlaid on the Train charts */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "nn-run-store.h"

G_BEGIN_DECLS

/* One run of the list: the NnRun as read, and its texts as the rows show them (properties
 * title, details, results, status, icon-name). */
#define DL_TYPE_RUN_ITEM (dl_run_item_get_type ())
G_DECLARE_FINAL_TYPE (DlRunItem, dl_run_item, DL, RUN_ITEM, GObject)

const NnRun *dl_run_item_get_run (DlRunItem *self);

#define DL_TYPE_RUNS_PAGE (dl_runs_page_get_type ())
G_DECLARE_FINAL_TYPE (DlRunsPage, dl_runs_page, DL, RUNS_PAGE, AdwBin)

/* The runs, newest first (DlRunItem), and which are selected: the selected runs are overlaid on
 * the Train page (the session's compared-runs) and compared in the table. */
GtkSelectionModel *dl_runs_page_get_selection (DlRunsPage *self);
/* Lists the store again, keeping the selection; the session's runs-changed calls it. */
void        dl_runs_page_reload         (DlRunsPage  *self);
/* The disk usage line, as shown. */
const char *dl_runs_page_get_usage_text (DlRunsPage  *self);
/* The cells of the comparison table (rows × columns, the first row and column headers), and
 * whether a row's values differ between the runs. */
guint       dl_runs_page_get_n_compared (DlRunsPage  *self);
gboolean    dl_runs_page_row_differs    (DlRunsPage  *self,
                                         const char  *row_name);
/* What Export Curves (CSV, the epochs' metrics: nn_run_epochs_to_csv) and Export as JSON
 * (nn_run_to_json with the curves) write. */
gboolean    dl_runs_page_export         (DlRunsPage  *self,
                                         const char  *id,
                                         const char  *path,
                                         gboolean     json,
                                         GError     **error);
/* Whether Use Model is still reading a run's model (on a worker). */
gboolean    dl_runs_page_get_reading_model (DlRunsPage *self);
/* Tests: the toast that undoes the last delete, or NULL once it is gone. */
AdwToast   *dl_runs_page_get_undo_toast (DlRunsPage  *self);

G_END_DECLS
