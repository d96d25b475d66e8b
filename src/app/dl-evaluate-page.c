/* dl-evaluate-page.c: the model, copied, and the test images go to a worker; results come back */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dl-evaluate-page.h"

#include "dl-page.h"

#include <glib/gi18n.h>
#include <string.h>

#include "dl-confusion-matrix.h"
#include "dl-dataset-status.h"
#include "dl-digit-view.h"
#include "dl-format.h"
#include "nn-evaluate.h"

#define MAX_GALLERY 48

struct _DlEvaluatePage
{
  AdwBin             parent_instance;

  DlSession         *session;

  GtkStack          *stack;
  DlDatasetStatus   *dataset_status;
  AdwStatusPage     *status_page;
  AdwStatusPage     *unfit_page;
  GtkLabel          *accuracy_label;
  GtkLabel          *right_label;
  GtkLabel          *model_label;
  DlConfusionMatrix *matrix;
  GtkGrid           *metrics_grid;
  GtkLabel          *gallery_label;
  GtkFlowBox        *gallery;

  NnModel           *model;        /* borrowed */
  NnDataset         *dataset;      /* borrowed */
  const NnEvaluation *evaluation; /* the session's, or NULL */
  NnImageSet        *images;       /* the test images the evaluation saw */
  char             **names;
  GError            *unfit;        /* why the model cannot be measured on the dataset, or NULL */
  GCancellable      *cancellable;  /* the evaluation running, if any */
  gboolean           busy;
};

static void dl_evaluate_page_page_iface_init (DlPageInterface *iface);
static void on_open_test_image                (DlEvaluatePage  *self,
                                               guint            index);
static void dl_evaluate_page_follow_session (DlEvaluatePage *self,
                                             DlSession      *old_session);

G_DEFINE_FINAL_TYPE_WITH_CODE (DlEvaluatePage, dl_evaluate_page, ADW_TYPE_BIN,
                               G_IMPLEMENT_INTERFACE (DL_TYPE_PAGE,
                                                      dl_evaluate_page_page_iface_init))

enum
{
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

enum
{
  EVALUATED,
  OPEN_TEST_IMAGE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
on_thumbnail_clicked (GtkButton      *button,
                      DlEvaluatePage *self)
{
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "test-index"));

  g_signal_emit (self, signals[OPEN_TEST_IMAGE], 0, index);
}

typedef struct
{
  NnModel      *model;        /* a copy the worker owns */
  NnImageSet   *images;       /* a reference */
  NnEvaluation *evaluation;
} Job;

static void
job_free (Job *job)
{
  nn_model_free (job->model);
  nn_image_set_unref (job->images);
  nn_evaluation_free (job->evaluation);
  g_free (job);
}

static void
update_actions (DlEvaluatePage *self)
{
  gboolean ready = self->model != NULL && self->dataset != NULL && self->unfit == NULL &&
                   !self->busy;

  const char *description = self->session != NULL
                              ? dl_session_get_model_description (self->session) : NULL;
  g_autofree char *text = NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "evaluate.run", ready);
  if (self->busy)
    text = g_strdup (_("Evaluating…"));
  else if (description != NULL && *description != '\0' && self->dataset != NULL)
    {
      g_autofree char *count = dl_format_count (self->dataset->test->n_images);

      /* Translators: the model in use ("Built-in model", "Trained at 14:02"), the number of
       * test images */
      text = g_strdup_printf (_("Measure the model in use (%s) on the %s test images"),
                              description, count);
    }
  else
    text = g_strdup (_("Measure the current model on the test images"));
  adw_status_page_set_description (self->status_page, text);
}

static void
update_stack (DlEvaluatePage *self)
{
  gtk_stack_set_visible_child_name (self->stack, self->dataset == NULL ? "no-data"
                                                 : self->unfit != NULL ? "unfit"
                                                 : self->evaluation != NULL ? "results"
                                                 : "empty");
}

/* A new model or dataset: the results shown were another pair's, and a running evaluation
 * measures what is no longer in use. Whether the two fit is decided here, once. */
static void
reset (DlEvaluatePage *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->busy = FALSE;
  self->evaluation = NULL;
  g_clear_pointer (&self->images, nn_image_set_unref);
  g_clear_error (&self->unfit);
  if (self->model != NULL && self->dataset != NULL &&
      !nn_model_check_dataset (self->model, self->dataset, &self->unfit))
    {
      g_autofree char *text = NULL;

      /* Translators: the model's dataset, the dataset open, then the engine's reason */
      text = g_strdup_printf (_("This model was trained on %s and cannot be measured on %s.\n%s"),
                              self->model->dataset != NULL ? self->model->dataset : _("unknown data"),
                              self->dataset->name != NULL ? self->dataset->name
                                                          : _("this dataset"),
                              self->unfit->message);
      adw_status_page_set_description (self->unfit_page, text);
    }
  update_stack (self);
  update_actions (self);
}

static GtkWidget *
cell_label (const char *text,
            gboolean    heading)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 1);
  gtk_widget_add_css_class (label, heading ? "heading" : "numeric");
  return label;
}

static void
attach_percent (GtkGrid *grid,
                double   fraction,
                int      col,
                int      row)
{
  g_autofree char *text = dl_format_percent (fraction, 1);

  gtk_grid_attach (grid, cell_label (text, FALSE), col, row, 1, 1);
}

/* Per class, in the headline's style: percentages, and counts grouped as the locale does. */
static void
fill_metrics (DlEvaluatePage *self)
{
  const NnEvaluation *ev = self->evaluation;
  const char *headings[] = { _("Class"), _("Precision"), _("Recall"), _("F1"), _("Support") };
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->metrics_grid))) != NULL)
    gtk_grid_remove (self->metrics_grid, child);
  for (int c = 0; c < 5; c++)
    gtk_grid_attach (self->metrics_grid, cell_label (headings[c], TRUE), c, 0, 1, 1);
  gtk_widget_set_tooltip_text (gtk_grid_get_child_at (self->metrics_grid, 4, 0),
                               _("Test images of the class"));
  for (size_t k = 0; k <= ev->n_classes; k++)
    {
      gboolean macro = k == ev->n_classes;
      int row = (int) k + 1;
      g_autofree char *support = dl_format_count (macro ? ev->n_samples
                                                        : (guint64) ev->support[k]);
      GtkWidget *name = cell_label (macro ? _("Mean") : self->names[k], macro);

      if (macro)
        gtk_widget_set_tooltip_text (name, _("The mean over the classes (macro average)"));
      gtk_grid_attach (self->metrics_grid, name, 0, row, 1, 1);
      attach_percent (self->metrics_grid, macro ? ev->macro_precision : ev->precision[k], 1, row);
      attach_percent (self->metrics_grid, macro ? ev->macro_recall : ev->recall[k], 2, row);
      attach_percent (self->metrics_grid, macro ? ev->macro_f1 : ev->f1[k], 3, row);
      gtk_grid_attach (self->metrics_grid, cell_label (support, FALSE), 4, row, 1, 1);
    }
}

guint
dl_evaluate_page_show_cell (DlEvaluatePage *self,
                            int             label,
                            int             predicted)
{
  const NnEvaluation *ev = self->evaluation;
  GtkWidget *child;
  g_autofree char *text = NULL;
  guint shown = 0, total;

  g_return_val_if_fail (DL_IS_EVALUATE_PAGE (self), 0);
  if (ev == NULL || label < 0 || predicted < 0 || (size_t) label >= ev->n_classes ||
      (size_t) predicted >= ev->n_classes)
    return 0;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->gallery))) != NULL)
    gtk_flow_box_remove (self->gallery, child);
  total = ev->confusion[label * ev->n_classes + predicted];
  /* mistakes come most confident first; for a diagonal cell show the first correct ones */
  for (size_t m = 0; m < ev->n_mistakes && label != predicted && shown < MAX_GALLERY; m++)
    {
      const NnMistake *mk = &ev->mistakes[m];
      size_t n_pixels = self->images->rows * self->images->cols;
      g_autofree float *pixels = g_new (float, n_pixels);      /* (rows, cols) */
      GtkWidget *view, *button;
      g_autofree char *tip = NULL;

      if (mk->label != label || mk->predicted != predicted)
        continue;
      for (size_t i = 0; i < n_pixels; i++)
        pixels[i] = self->images->pixels[(size_t) mk->index * n_pixels + i] / 255.0f;
      /* the button is what assistive technologies present; the picture inside is its face */
      view = g_object_new (DL_TYPE_DIGIT_VIEW, "accessible-role", GTK_ACCESSIBLE_ROLE_PRESENTATION,
                           NULL);
      gtk_widget_set_size_request (view, 56, 56);
      dl_digit_view_set_image_sized (DL_DIGIT_VIEW (view), pixels, self->images->cols,
                                     self->images->rows);
      /* Translators: a misclassified test image: its index, true class and the prediction */
      tip = g_strdup_printf (_("Test image %u: a %s taken for a %s (%.1f%%)"), mk->index,
                             self->names[label], self->names[predicted], 100 * mk->confidence);
      /* a click, Enter or Space opens the image on the Dataset page */
      button = gtk_button_new ();
      gtk_button_set_child (GTK_BUTTON (button), view);
      gtk_widget_set_halign (button, GTK_ALIGN_START);
      gtk_widget_add_css_class (button, "flat");
      gtk_widget_add_css_class (button, "thumbnail");
      gtk_widget_set_tooltip_text (button, tip);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, tip,
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                      _("Opens the image on the Dataset page"), -1);
      g_object_set_data (G_OBJECT (button), "test-index", GUINT_TO_POINTER (mk->index));
      g_signal_connect (button, "clicked", G_CALLBACK (on_thumbnail_clicked), self);
      gtk_flow_box_append (self->gallery, button);
      /* the button takes the focus, not the flow box's wrapper around it */
      gtk_widget_set_focusable (gtk_widget_get_parent (button), FALSE);
      shown++;
    }
  {
    g_autofree char *count = dl_format_count (total);

    if (label == predicted)
      text = g_strdup_printf (ngettext ("%s test image of class %s was recognised",
                                        "%s test images of class %s were recognised", total),
                              count, self->names[label]);
    else
      text = g_strdup_printf (ngettext ("%s image of class %s was taken for %s",
                                        "%s images of class %s were taken for %s", total),
                              count, self->names[label], self->names[predicted]);
  }
  gtk_label_set_label (self->gallery_label, text);
  return shown;
}

static void
on_cell_activated (DlEvaluatePage *self,
                   int             label,
                   int             predicted)
{
  dl_evaluate_page_show_cell (self, label, predicted);
}

static void
evaluate_thread (GTask        *task,
                 gpointer      source,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  Job *job = task_data;

  job->evaluation = nn_evaluate_images (job->model->net, job->images, NULL, 0, &job->model->norm);
  g_task_return_boolean (task, TRUE);
}

static void
on_evaluated (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  DlEvaluatePage *self;
  Job *job = g_task_get_task_data (G_TASK (result));

  if (g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))))
    return;
  self = DL_EVALUATE_PAGE (source);
  g_clear_object (&self->cancellable);
  self->busy = FALSE;
  g_clear_pointer (&self->images, nn_image_set_unref);
  self->images = g_steal_pointer (&job->images);
  g_strfreev (self->names);
  self->names = g_strdupv (job->model->class_names);
  /* the session keeps it for every page; this one shows it from the notification */
  if (self->session != NULL)
    dl_session_take_evaluation (self->session, g_steal_pointer (&job->evaluation));
  update_actions (self);
  if (self->evaluation != NULL)
    g_signal_emit (self, signals[EVALUATED], 0, self->evaluation);
}

/* Which model the results are of: the session drops the evaluation when its model changes, so
 * the model in use is the one measured. */
static void
show_model_description (DlEvaluatePage *self)
{
  const char *description = self->session != NULL
                              ? dl_session_get_model_description (self->session) : NULL;
  g_autofree char *text = NULL;

  if (description != NULL && *description != '\0')
    /* Translators: where the measured model came from: "Built-in model", "Trained at 14:02" */
    text = g_strdup_printf (_("Model: %s"), description);
  gtk_label_set_label (self->model_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->model_label), text != NULL);
  update_actions (self);
}

/* The session's evaluation: this page's last result, or NULL once the model or dataset changed. */
static void
show_evaluation (DlEvaluatePage *self)
{
  g_autofree char *text = NULL;

  self->evaluation = self->session != NULL ? dl_session_get_evaluation (self->session) : NULL;
  if (self->evaluation != NULL)
    {
      const NnEvaluation *ev = self->evaluation;
      g_autofree char *accuracy = dl_format_percent (ev->accuracy, 2);
      g_autofree char *right = dl_format_count (ev->n_samples - ev->n_mistakes);
      g_autofree char *total = dl_format_count (ev->n_samples);

      /* Translators: the Evaluate page's headline, a percentage */
      text = g_strdup_printf (_("%s accuracy"), accuracy);
      gtk_label_set_label (self->accuracy_label, text);
      g_free (text);
      /* Translators: test images classified right, out of all test images */
      text = g_strdup_printf (ngettext ("%s of %s test image right", "%s of %s test images right",
                                        ev->n_samples),
                              right, total);
      gtk_label_set_label (self->right_label, text);
      dl_confusion_matrix_set_evaluation (self->matrix, self->evaluation,
                                          (const char *const *) self->names);
      fill_metrics (self);
    }
  update_stack (self);
}

static void
run_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  DlEvaluatePage *self = DL_EVALUATE_PAGE (widget);
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  Job *job;
  NnImageSet *test;

  if (self->model == NULL || self->dataset == NULL || self->unfit != NULL || self->busy)
    return;
  test = self->dataset->test;
  job = g_new0 (Job, 1);
  job->model = nn_model_new (nn_network_get_spec (self->model->net), self->model->C,
                             self->model->H, self->model->W,
                             nn_network_get_params (self->model->net), &self->model->norm,
                             self->model->dataset, (const char *const *) self->model->class_names,
                             g_get_num_processors (), &error);
  if (job->model == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Could not evaluate: %s"), error->message);

      job_free (job);
      adw_status_page_set_description (self->status_page, text);
      return;
    }
  job->images = nn_image_set_ref (test);

  self->busy = TRUE;
  self->cancellable = g_cancellable_new ();
  update_actions (self);
  task = g_task_new (self, self->cancellable, on_evaluated, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, evaluate_thread);
}

void
dl_evaluate_page_set_model (DlEvaluatePage *self,
                            NnModel        *model)
{
  g_return_if_fail (DL_IS_EVALUATE_PAGE (self));
  if (self->model == model)
    return;
  self->model = model;
  reset (self);
}

void
dl_evaluate_page_set_dataset (DlEvaluatePage *self,
                              NnDataset      *dataset)
{
  g_return_if_fail (DL_IS_EVALUATE_PAGE (self));
  if (self->dataset == dataset)
    return;
  self->dataset = dataset;
  reset (self);
}

const GError *
dl_evaluate_page_get_unfit (DlEvaluatePage *self)
{
  g_return_val_if_fail (DL_IS_EVALUATE_PAGE (self), NULL);
  return self->unfit;
}

const char *
dl_evaluate_page_get_visible_state (DlEvaluatePage *self)
{
  g_return_val_if_fail (DL_IS_EVALUATE_PAGE (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

const NnEvaluation *
dl_evaluate_page_get_evaluation (DlEvaluatePage *self)
{
  g_return_val_if_fail (DL_IS_EVALUATE_PAGE (self), NULL);
  return self->evaluation;
}

static void
dl_evaluate_page_dispose (GObject *object)
{
  DlEvaluatePage *self = DL_EVALUATE_PAGE (object);

  dl_page_set_session (DL_PAGE (self), NULL);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (dl_evaluate_page_parent_class)->dispose (object);
}

static void
dl_evaluate_page_finalize (GObject *object)
{
  DlEvaluatePage *self = DL_EVALUATE_PAGE (object);

  nn_image_set_unref (self->images);
  g_strfreev (self->names);
  g_clear_error (&self->unfit);
  G_OBJECT_CLASS (dl_evaluate_page_parent_class)->finalize (object);
}

static void
dl_evaluate_page_class_init (DlEvaluatePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  dl_page_class_install_session (object_class, PROP_SESSION,
                                 G_STRUCT_OFFSET (DlEvaluatePage, session),
                                 (DlPageFollowFunc) dl_evaluate_page_follow_session);
  object_class->dispose = dl_evaluate_page_dispose;
  object_class->finalize = dl_evaluate_page_finalize;
  g_type_ensure (DL_TYPE_CONFUSION_MATRIX);
  g_type_ensure (DL_TYPE_DATASET_STATUS);
  /* the new evaluation (borrowed for the call) */
  signals[EVALUATED] = g_signal_new ("evaluated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                     NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  /* a test image's index */
  signals[OPEN_TEST_IMAGE] = g_signal_new ("open-test-image", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                           1, G_TYPE_UINT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/digitlab/DigitLab/dl-evaluate-page.ui");
  gtk_widget_class_bind_template_child (widget_class, DlEvaluatePage, stack);
  gtk_widget_class_bind_template_child (widget_class, DlEvaluatePage, dataset_status);
  gtk_widget_class_bind_template_child (widget_class, DlEvaluatePage, status_page);
  gtk_widget_class_bind_template_child (widget_class, DlEvaluatePage, unfit_page);
  gtk_widget_class_bind_template_child (widget_class, DlEvaluatePage, accuracy_label);
  gtk_widget_class_bind_template_child (widget_class, DlEvaluatePage, right_label);
  gtk_widget_class_bind_template_child (widget_class, DlEvaluatePage, model_label);
  gtk_widget_class_bind_template_child (widget_class, DlEvaluatePage, matrix);
  gtk_widget_class_bind_template_child (widget_class, DlEvaluatePage, metrics_grid);
  gtk_widget_class_bind_template_child (widget_class, DlEvaluatePage, gallery_label);
  gtk_widget_class_bind_template_child (widget_class, DlEvaluatePage, gallery);
  gtk_widget_class_bind_template_callback (widget_class, on_cell_activated);
  gtk_widget_class_install_action (widget_class, "evaluate.run", NULL, run_action);
}

static void
dl_evaluate_page_init (DlEvaluatePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self, "open-test-image", G_CALLBACK (on_open_test_image), NULL);
  update_stack (self);
  update_actions (self);
}

GtkWidget *
dl_evaluate_page_get_figure (DlEvaluatePage *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return GTK_WIDGET (self->matrix);
}

DlDatasetStatus *
dl_evaluate_page_get_status (DlEvaluatePage *self)
{
  g_return_val_if_fail (DL_IS_EVALUATE_PAGE (self), NULL);
  return self->dataset_status;
}

static void
on_session_dataset (DlEvaluatePage *self)
{
  dl_evaluate_page_set_dataset (self, dl_session_get_dataset (self->session));
}

static void
on_session_model (DlEvaluatePage *self)
{
  dl_evaluate_page_set_model (self, dl_session_get_model (self->session));
}

/* A thumbnail asks for its test image: whichever page shows images shows it. */
static void
on_open_test_image (DlEvaluatePage *self,
                    guint           index)
{
  if (self->session != NULL)
    dl_session_show_test_image (self->session, index);
}

/* Follows the session: everything the page shows of the shared state comes from its notify. */
static void
dl_evaluate_page_follow_session (DlEvaluatePage *self,
                                 DlSession      *old_session)
{
  DlSession *session = self->session;

  if (session == NULL)
    return;
  g_signal_connect_swapped (session, "notify::evaluation", G_CALLBACK (show_evaluation), self);
  g_signal_connect_swapped (session, "notify::dataset", G_CALLBACK (on_session_dataset), self);
  g_signal_connect_swapped (session, "notify::model", G_CALLBACK (on_session_model), self);
  g_signal_connect_swapped (session, "notify::model-description",
                            G_CALLBACK (show_model_description), self);
  show_model_description (self);
  show_evaluation (self);
  on_session_dataset (self);
  on_session_model (self);
}

static void
dl_evaluate_page_list_figures (DlPage    *page,
                               GPtrArray *figures)
{
  DlEvaluatePage *self = DL_EVALUATE_PAGE (page);
  GtkWidget *matrix = dl_evaluate_page_get_figure (self);
  DlPageFigure *item;

  item = dl_page_add_figure (figures, "confusion-matrix", _("Confusion matrix"), matrix);
  if (!dl_figure_has_data (DL_FIGURE (matrix)))
    dl_page_figure_set_unavailable (item, _("The model has not been evaluated yet."));
}

static DlDatasetStatus *
dl_evaluate_page_get_status_page (DlPage *page)
{
  return DL_EVALUATE_PAGE (page)->dataset_status;
}

static void
dl_evaluate_page_page_iface_init (DlPageInterface *iface)
{
  iface->name = "evaluate";
  iface->title = N_("_Evaluate");
  iface->icon_name = "emblem-ok-symbolic";
  iface->list_figures = dl_evaluate_page_list_figures;
  iface->get_status = dl_evaluate_page_get_status_page;
}
