/* dl-dataset-page.c: a GtkGridView recycles a few dozen cells over a filtered index list */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dl-dataset-page.h"

#include "dl-page.h"

#include <glib/gi18n.h>

#include "dl-dataset-status.h"
#include "dl-digit-view.h"
#include "dl-format.h"
#include "dl-image-list.h"
#include "dl-probability-chart.h"
#include "nn-metrics.h"

struct _DlDatasetPage
{
  AdwBin              parent_instance;

  DlSession          *session;

  GtkStack           *stack;
  DlDatasetStatus    *dataset_status;
  AdwFlap            *flap;
  GtkWidget          *details_button;
  GtkWidget          *empty_state;
  GtkDropDown        *split_dropdown;
  GtkDropDown        *class_dropdown;
  GtkLabel           *count_label;
  GtkGridView        *grid;
  DlDigitView        *large_view;
  GtkLabel           *details_label;
  DlProbabilityChart *chart;
  GtkWidget          *pixels_button;
  GtkLabel           *pixels_label;

  DlImageList        *images;
  GtkSingleSelection *selection;
  NnDataset          *dataset;      /* borrowed */
  NnModel            *model;        /* borrowed */
};

static void dl_dataset_page_page_iface_init (DlPageInterface *iface);
static void dl_dataset_page_follow_session (DlDatasetPage *self,
                                            DlSession     *old_session);

G_DEFINE_FINAL_TYPE_WITH_CODE (DlDatasetPage, dl_dataset_page, ADW_TYPE_BIN,
                               G_IMPLEMENT_INTERFACE (DL_TYPE_PAGE,
                                                      dl_dataset_page_page_iface_init))

enum
{
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

static const guint8 *
item_pixels (DlDatasetPage *self,
             DlImageItem   *item,
             guint8        *label)
{
  const NnImageSet *set = dl_image_item_get_is_test (item) ? self->dataset->test
                                                           : self->dataset->train;
  guint index = dl_image_item_get_index (item);

  *label = set->labels[index];
  return set->pixels + (size_t) index * set->rows * set->cols;
}

static void
to_floats (float        *out,
           const guint8 *pixels,
           size_t        n)
{
  for (size_t i = 0; i < n; i++)
    out[i] = pixels[i] / 255.0f;
}

/* In a narrow window the details hide behind a button: it takes the accent colour while an
 * image is selected and its details are not shown. */
static void
update_details_hint (DlDatasetPage *self)
{
  gboolean folded = adw_flap_get_folded (self->flap);
  gboolean shown = adw_flap_get_reveal_flap (self->flap);
  gboolean selected = gtk_single_selection_get_selected_item (self->selection) != NULL;

  if (folded && selected && !shown)
    {
      gtk_widget_add_css_class (self->details_button, "suggested-action");
      gtk_widget_set_tooltip_text (self->details_button, _("Show Details of the Selected Image"));
    }
  else
    {
      gtk_widget_remove_css_class (self->details_button, "suggested-action");
      gtk_widget_set_tooltip_text (self->details_button, _("Show Details"));
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "dataset.hide-details", folded && shown);
}

static void
show_selected (DlDatasetPage *self)
{
  g_autoptr(DlImageItem) item = NULL;
  g_autofree char *text = NULL;
  g_autofree float *image = NULL;     /* (rows, cols) */
  g_autofree float *probs = NULL;     /* (n_classes) */
  g_autoptr(GError) unfit = NULL;
  const guint8 *pixels;
  guint8 label;
  size_t rows, cols;

  item = gtk_single_selection_get_selected_item (self->selection) != NULL
           ? g_object_ref (gtk_single_selection_get_selected_item (self->selection)) : NULL;
  /* the one empty state, whether nothing was chosen yet or a filter took the choice away */
  gtk_widget_set_visible (self->empty_state, item == NULL || self->dataset == NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->details_label), item != NULL && self->dataset != NULL);
  gtk_widget_set_visible (self->pixels_button, item != NULL && self->dataset != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->chart), item != NULL && self->dataset != NULL);
  update_details_hint (self);
  if (item == NULL || self->dataset == NULL)
    {
      dl_digit_view_set_image (self->large_view, NULL);
      gtk_widget_set_visible (GTK_WIDGET (self->large_view), FALSE);
      dl_probability_chart_set_probs (self->chart, NULL, (const char *const[]) { NULL }, 0);
      gtk_label_set_label (self->details_label, "");
      return;
    }
  rows = self->dataset->train->rows;
  cols = self->dataset->train->cols;
  pixels = item_pixels (self, item, &label);
  image = g_new (float, rows * cols);
  to_floats (image, pixels, rows * cols);
  dl_digit_view_set_image_sized (self->large_view, image, cols, rows);
  gtk_widget_set_visible (GTK_WIDGET (self->large_view), TRUE);
  {
    /* the raw bytes as stored in the file, one image row per line */
    g_autoptr(GString) grid = g_string_new (NULL);

    for (size_t r = 0; r < rows; r++)
      {
        for (size_t c = 0; c < cols; c++)
          g_string_append_printf (grid, "%4u", pixels[r * cols + c]);
        if (r + 1 < rows)
          g_string_append_c (grid, '\n');
      }
    gtk_label_set_label (self->pixels_label, grid->str);
  }
  /* a model made for other images or classes predicts nothing here, and the page says why */
  if (self->model != NULL && nn_model_check_dataset (self->model, self->dataset, &unfit))
    {
      size_t best;

      probs = g_new (float, self->model->n_classes);
      nn_model_predict_image (self->model, image, probs);
      best = nn_argmax (probs, self->model->n_classes);
      /* Translators: split, index, true label, then the model's prediction */
      text = g_strdup_printf (_("%s image %u\nLabel %s · predicted %s (%.1f%%)"),
                              dl_image_item_get_is_test (item) ? _("Test") : _("Training"),
                              dl_image_item_get_index (item), self->dataset->class_names[label],
                              self->model->class_names[best], 100 * probs[best]);
      dl_probability_chart_set_probs (self->chart, probs,
                                      (const char *const *) self->model->class_names,
                                      self->model->n_classes);
    }
  else if (unfit != NULL)
    {
      const char *const none[] = { NULL };

      /* Translators: split, index, true label, then why the model in use cannot predict it */
      text = g_strdup_printf (_("%s image %u\nLabel %s\nNo prediction: the model does not fit "
                                "this dataset. %s"),
                              dl_image_item_get_is_test (item) ? _("Test") : _("Training"),
                              dl_image_item_get_index (item), self->dataset->class_names[label],
                              unfit->message);
      dl_probability_chart_set_probs (self->chart, NULL, none, 0);
    }
  else
    {
      const char *const none[] = { NULL };

      text = g_strdup_printf (_("%s image %u\nLabel %s"),
                              dl_image_item_get_is_test (item) ? _("Test") : _("Training"),
                              dl_image_item_get_index (item), self->dataset->class_names[label]);
      dl_probability_chart_set_probs (self->chart, NULL, none, 0);
    }
  gtk_label_set_label (self->details_label, text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->large_view),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
}

/* The image the user selects is what the Inside page explains; a new model or dataset leaves
 * the session's input (which may be a drawing) alone. */
static void
publish_selected (DlDatasetPage *self)
{
  DlImageItem *item = gtk_single_selection_get_selected_item (self->selection);
  g_autofree float *image = NULL;     /* (rows, cols) */
  g_autoptr(DlInput) input = NULL;
  const guint8 *pixels;
  guint8 label;
  size_t rows, cols;

  if (item == NULL || self->dataset == NULL || self->session == NULL)
    return;
  rows = self->dataset->train->rows;
  cols = self->dataset->train->cols;
  pixels = item_pixels (self, item, &label);
  image = g_new (float, rows * cols);
  to_floats (image, pixels, rows * cols);
  input = dl_input_new (DL_INPUT_DATASET, image, cols, rows);
  input->is_test = dl_image_item_get_is_test (item);
  input->index = dl_image_item_get_index (item);
  input->label = label;
  dl_session_set_input (self->session, input);
}

static void
on_selected_changed (DlDatasetPage *self)
{
  show_selected (self);
  publish_selected (self);
}

static void
on_setup (GtkSignalListItemFactory *factory,
          GtkListItem              *list_item,
          gpointer                  user_data)
{
  GtkWidget *view = dl_digit_view_new ();

  gtk_widget_set_size_request (view, 56, 56);
  gtk_list_item_set_child (list_item, view);
}

static void
on_bind (GtkSignalListItemFactory *factory,
         GtkListItem              *list_item,
         DlDatasetPage            *self)
{
  DlImageItem *item = gtk_list_item_get_item (list_item);
  GtkWidget *view = gtk_list_item_get_child (list_item);
  g_autofree float *image = NULL;   /* (rows, cols) */
  const guint8 *pixels;
  guint8 label;
  g_autofree char *name = NULL;
  g_autofree char *description = NULL;
  size_t rows, cols;

  if (self->dataset == NULL)
    return;
  rows = self->dataset->train->rows;
  cols = self->dataset->train->cols;
  pixels = item_pixels (self, item, &label);
  image = g_new (float, rows * cols);
  to_floats (image, pixels, rows * cols);
  dl_digit_view_set_image_sized (DL_DIGIT_VIEW (view), image, cols, rows);
  /* Translators: a thumbnail's name for screen readers: split, then index */
  name = g_strdup_printf (_("%s image %u"),
                          dl_image_item_get_is_test (item) ? _("Test") : _("Training"),
                          dl_image_item_get_index (item));
  description = g_strdup_printf (_("Label %s"), self->dataset->class_names[label]);
  gtk_accessible_update_property (GTK_ACCESSIBLE (view), GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description, -1);
}

static void
update_count (DlDatasetPage *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->images));
  g_autofree char *count = dl_format_count (n);
  g_autofree char *text = g_strdup_printf (ngettext ("%s image", "%s images", n), count);

  gtk_label_set_label (self->count_label, text);
}

static void
on_filter_changed (DlDatasetPage *self)
{
  guint split = gtk_drop_down_get_selected (self->split_dropdown);
  guint klass = gtk_drop_down_get_selected (self->class_dropdown);

  /* the images move: what was selected is no longer where it was */
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  dl_image_list_set_filter (self->images, (DlSplit) MIN (split, DL_SPLIT_MISCLASSIFIED),
                            klass == 0 || klass == GTK_INVALID_LIST_POSITION ? -1 : (int) klass - 1);
  update_count (self);
}

void
dl_dataset_page_set_dataset (DlDatasetPage *self,
                             NnDataset     *dataset)
{
  GtkStringList *classes;

  g_return_if_fail (DL_IS_DATASET_PAGE (self));

  self->dataset = dataset;
  classes = GTK_STRING_LIST (gtk_drop_down_get_model (self->class_dropdown));
  gtk_string_list_splice (classes, 1, g_list_model_get_n_items (G_LIST_MODEL (classes)) - 1,
                          dataset != NULL ? (const char *const *) dataset->class_names : NULL);
  gtk_drop_down_set_selected (self->class_dropdown, 0);
  dl_image_list_set_dataset (self->images, dataset);
  gtk_stack_set_visible_child_name (self->stack, dataset != NULL ? "images" : "no-data");
  update_count (self);
  show_selected (self);
}

void
dl_dataset_page_set_model (DlDatasetPage *self,
                           NnModel       *model)
{
  g_return_if_fail (DL_IS_DATASET_PAGE (self));
  self->model = model;
  show_selected (self);
}

void
dl_dataset_page_set_mistakes (DlDatasetPage      *self,
                              const NnEvaluation *ev)
{
  g_autofree guint32 *indices = NULL;

  g_return_if_fail (DL_IS_DATASET_PAGE (self));

  indices = g_new (guint32, MAX (ev != NULL ? ev->n_mistakes : 0, 1));
  for (size_t m = 0; ev != NULL && m < ev->n_mistakes; m++)
    indices[m] = ev->mistakes[m].index;
  dl_image_list_set_mistakes (self->images, indices, ev != NULL ? ev->n_mistakes : 0);
  update_count (self);
}

void
dl_dataset_page_show_test_image (DlDatasetPage *self,
                                 guint          index)
{
  g_return_if_fail (DL_IS_DATASET_PAGE (self));

  if (self->dataset == NULL || index >= self->dataset->test->n_images)
    return;
  /* the test split in order: the image's position is its index */
  gtk_drop_down_set_selected (self->class_dropdown, 0);
  gtk_drop_down_set_selected (self->split_dropdown, DL_SPLIT_TEST);
  gtk_single_selection_set_selected (self->selection, index);
  gtk_widget_activate_action (GTK_WIDGET (self->grid), "list.scroll-to-item", "u", index);
  show_selected (self);
}

void
dl_dataset_page_show_image (DlDatasetPage *self,
                            gboolean       is_test,
                            guint          index)
{
  const NnImageSet *set;

  g_return_if_fail (DL_IS_DATASET_PAGE (self));

  if (self->dataset == NULL)
    return;
  set = is_test ? self->dataset->test : self->dataset->train;
  if (index >= set->n_images)
    return;
  /* one split in order, every class: the image's position is its index */
  gtk_drop_down_set_selected (self->class_dropdown, 0);
  gtk_drop_down_set_selected (self->split_dropdown, is_test ? DL_SPLIT_TEST : DL_SPLIT_TRAIN);
  gtk_single_selection_set_selected (self->selection, index);
  gtk_widget_activate_action (GTK_WIDGET (self->grid), "list.scroll-to-item", "u", index);
  show_selected (self);
  publish_selected (self);
}

GListModel *
dl_dataset_page_get_images (DlDatasetPage *self)
{
  return G_LIST_MODEL (self->images);
}

const char *
dl_dataset_page_select (DlDatasetPage *self,
                        guint          position)
{
  gtk_single_selection_set_selected (self->selection, position);
  show_selected (self);
  return gtk_label_get_label (self->details_label);
}

/* Enter or a double click on an image: its details, over the grid when the window is narrow. */
static void
on_grid_activate (DlDatasetPage *self,
                  guint          position)
{
  gtk_single_selection_set_selected (self->selection, position);
  if (adw_flap_get_folded (self->flap))
    adw_flap_set_reveal_flap (self->flap, TRUE);
}

static void
hide_details_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  DlDatasetPage *self = DL_DATASET_PAGE (widget);

  adw_flap_set_reveal_flap (self->flap, FALSE);
  gtk_widget_grab_focus (GTK_WIDGET (self->grid));
}

static void
dl_dataset_page_dispose (GObject *object)
{
  DlDatasetPage *self = DL_DATASET_PAGE (object);

  dl_page_set_session (DL_PAGE (self), NULL);
  if (self->grid != NULL)
    gtk_grid_view_set_model (self->grid, NULL);
  g_clear_object (&self->selection);
  g_clear_object (&self->images);
  G_OBJECT_CLASS (dl_dataset_page_parent_class)->dispose (object);
}

static void
dl_dataset_page_class_init (DlDatasetPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  dl_page_class_install_session (object_class, PROP_SESSION,
                                 G_STRUCT_OFFSET (DlDatasetPage, session),
                                 (DlPageFollowFunc) dl_dataset_page_follow_session);
  object_class->dispose = dl_dataset_page_dispose;
  g_type_ensure (DL_TYPE_DATASET_STATUS);
  g_type_ensure (DL_TYPE_DIGIT_VIEW);
  g_type_ensure (DL_TYPE_PROBABILITY_CHART);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/digitlab/DigitLab/dl-dataset-page.ui");
  gtk_widget_class_bind_template_child (widget_class, DlDatasetPage, stack);
  gtk_widget_class_bind_template_child (widget_class, DlDatasetPage, dataset_status);
  gtk_widget_class_bind_template_child (widget_class, DlDatasetPage, flap);
  gtk_widget_class_bind_template_child (widget_class, DlDatasetPage, details_button);
  gtk_widget_class_bind_template_child (widget_class, DlDatasetPage, empty_state);
  gtk_widget_class_bind_template_child (widget_class, DlDatasetPage, split_dropdown);
  gtk_widget_class_bind_template_child (widget_class, DlDatasetPage, class_dropdown);
  gtk_widget_class_bind_template_child (widget_class, DlDatasetPage, count_label);
  gtk_widget_class_bind_template_child (widget_class, DlDatasetPage, grid);
  gtk_widget_class_bind_template_child (widget_class, DlDatasetPage, large_view);
  gtk_widget_class_bind_template_child (widget_class, DlDatasetPage, details_label);
  gtk_widget_class_bind_template_child (widget_class, DlDatasetPage, chart);
  gtk_widget_class_bind_template_child (widget_class, DlDatasetPage, pixels_button);
  gtk_widget_class_bind_template_child (widget_class, DlDatasetPage, pixels_label);
  gtk_widget_class_bind_template_callback (widget_class, on_filter_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_grid_activate);
  /* enabled only while the details cover a narrow window; else Escape goes on to the window */
  gtk_widget_class_install_action (widget_class, "dataset.hide-details", NULL, hide_details_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "dataset.hide-details",
                                       NULL);
}

static void
dl_dataset_page_init (DlDatasetPage *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  /* the drop-downs' own buttons are what screen readers reach: name them too */
  gtk_accessible_update_property (GTK_ACCESSIBLE (gtk_widget_get_first_child (GTK_WIDGET (self->split_dropdown))),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Split"), -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (gtk_widget_get_first_child (GTK_WIDGET (self->class_dropdown))),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Class"), -1);
  self->images = dl_image_list_new ();
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->images)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  g_signal_connect_swapped (self->selection, "notify::selected", G_CALLBACK (on_selected_changed),
                            self);
  g_signal_connect (factory, "setup", G_CALLBACK (on_setup), self);
  g_signal_connect (factory, "bind", G_CALLBACK (on_bind), self);
  gtk_grid_view_set_factory (self->grid, factory);
  g_object_unref (factory);
  gtk_grid_view_set_model (self->grid, GTK_SELECTION_MODEL (self->selection));
  g_signal_connect_swapped (self->flap, "notify::folded", G_CALLBACK (update_details_hint), self);
  g_signal_connect_swapped (self->flap, "notify::reveal-flap", G_CALLBACK (update_details_hint),
                            self);
  dl_dataset_page_set_dataset (self, NULL);
}

GtkWidget *
dl_dataset_page_get_figure (DlDatasetPage *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return GTK_WIDGET (self->chart);
}

DlDatasetStatus *
dl_dataset_page_get_status (DlDatasetPage *self)
{
  g_return_val_if_fail (DL_IS_DATASET_PAGE (self), NULL);
  return self->dataset_status;
}

static void
on_session_dataset (DlDatasetPage *self)
{
  dl_dataset_page_set_dataset (self, dl_session_get_dataset (self->session));
}

static void
on_session_model (DlDatasetPage *self)
{
  dl_dataset_page_set_model (self, dl_session_get_model (self->session));
}

/* Mistakes of the model and dataset in use, for the "Misclassified" filter; none without one. */
static void
on_session_evaluation (DlDatasetPage *self)
{
  dl_dataset_page_set_mistakes (self, dl_session_get_evaluation (self->session));
}

static void
on_session_show_test_image (DlDatasetPage *self,
                            guint          index)
{
  dl_page_present (DL_PAGE (self));
  dl_dataset_page_show_test_image (self, index);
}

static void
on_session_show_image (DlDatasetPage *self,
                       gboolean       is_test,
                       guint          index)
{
  dl_page_present (DL_PAGE (self));
  dl_dataset_page_show_image (self, is_test, index);
}

/* Follows the session: everything the page shows of the shared state comes from its notify. */
static void
dl_dataset_page_follow_session (DlDatasetPage *self,
                                DlSession     *old_session)
{
  DlSession *session = self->session;

  if (session == NULL)
    return;
  g_signal_connect_swapped (session, "notify::dataset", G_CALLBACK (on_session_dataset), self);
  g_signal_connect_swapped (session, "notify::model", G_CALLBACK (on_session_model), self);
  g_signal_connect_swapped (session, "notify::evaluation", G_CALLBACK (on_session_evaluation), self);
  g_signal_connect_swapped (session, "show-test-image", G_CALLBACK (on_session_show_test_image), self);
  g_signal_connect_swapped (session, "show-image", G_CALLBACK (on_session_show_image), self);
  on_session_dataset (self);
  on_session_model (self);
  on_session_evaluation (self);
}

static void
dl_dataset_page_list_figures (DlPage    *page,
                              GPtrArray *figures)
{
  DlDatasetPage *self = DL_DATASET_PAGE (page);
  DlPageFigure *item;

  item = dl_page_add_figure (figures, "probabilities", _("Class probabilities"), self->chart);
  if (gtk_single_selection_get_selected_item (self->selection) == NULL)
    dl_page_figure_set_unavailable (item, _("No image is selected: the chart shows the class "
                                            "probabilities of the selected image. Select one "
                                            "first."));
}

static DlDatasetStatus *
dl_dataset_page_get_status_page (DlPage *page)
{
  return DL_DATASET_PAGE (page)->dataset_status;
}

static void
dl_dataset_page_page_iface_init (DlPageInterface *iface)
{
  iface->name = "dataset";
  iface->title = N_("Data_set");
  iface->icon_name = "view-grid-symbolic";
  iface->list_figures = dl_dataset_page_list_figures;
  iface->get_status = dl_dataset_page_get_status_page;
}
