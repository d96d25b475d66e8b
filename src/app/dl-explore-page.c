/* dl-explore-page.c: the engine's report, computed off the main thread, drawn by the charts */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dl-explore-page.h"

#include "dl-page.h"

#include <glib/gi18n.h>
#include <math.h>

#include "dl-chart.h"
#include "dl-dataset-status.h"
#include "dl-digit-view.h"
#include "dl-format.h"
#include "dl-image-figure.h"
#include "dl-recipe.h"
#include "dl-scroll-guard.h"
#include "nn-augment.h"

/* augmented copies beside the original: a 3 × 3 square */
#define N_SAMPLES 8

struct _DlExplorePage
{
  AdwBin               parent_instance;

  DlSession           *session;

  GtkStack            *stack;
  DlDatasetStatus     *dataset_status;
  AdwPreferencesGroup *report_group;
  GtkBox              *charts_box;
  GtkFlowBox          *means_box;
  GtkGrid             *augment_grid;
  GtkLabel            *augment_summary;
  GtkSpinButton       *angle_spin;

  DlChart             *class_chart;
  DlChart             *pixel_chart;
  guint                train_bars, test_bars, train_pixels, test_pixels;
  GPtrArray           *rows;          /* report rows we added, to remove them */
  DlDigitView         *augment_views[N_SAMPLES + 1];
  GtkLabel            *augment_captions[N_SAMPLES + 1];
  GSettings           *settings;      /* the recipe's augmentation */
  guint64              draw;          /* which random draws the preview shows */

  NnDataset           *dataset;       /* borrowed */
  NnReport            *report;
  GCancellable        *cancellable;
};

static void dl_explore_page_page_iface_init (DlPageInterface *iface);
static void dl_explore_page_follow_session (DlExplorePage *self,
                                            DlSession     *old_session);

G_DEFINE_FINAL_TYPE_WITH_CODE (DlExplorePage, dl_explore_page, ADW_TYPE_BIN,
                               G_IMPLEMENT_INTERFACE (DL_TYPE_PAGE,
                                                      dl_explore_page_page_iface_init))

enum
{
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

static void
add_row (DlExplorePage *self,
         const char    *title,
         const char    *value)
{
  GtkWidget *row = adw_action_row_new ();

  /* the value below its name, the way GNOME apps show properties */
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), value);
  /* long unbroken values (checksums) are ellipsized, in full in the tooltip */
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 1);
  gtk_widget_set_tooltip_text (row, value);
  gtk_widget_add_css_class (row, "property");
  adw_preferences_group_add (self->report_group, row);
  g_ptr_array_add (self->rows, row);
}

/* What one draw did, as short as it can be said under a thumbnail. */
static char *
describe_draw (const NnAugmentConfig *c,
               const NnAugmentDraw   *d)
{
  GString *s = g_string_new (NULL);

  if (c->rotation_degrees > 0)
    g_string_append_printf (s, "%+.0f°", d->degrees);
  if (c->scale > 0)
    g_string_append_printf (s, "%s×%.2f", s->len > 0 ? " " : "", d->scale);
  if (c->translate > 0)
    /* Translators: a shift right and down, in pixels */
    g_string_append_printf (s, _("%s→%+.1f ↓%+.1f"), s->len > 0 ? "\n" : "", d->dx, d->dy);
  if (c->shear_degrees > 0)
    /* Translators: a shear angle in degrees, under a thumbnail */
    g_string_append_printf (s, _("%sshear %+.0f°"), s->len > 0 ? "\n" : "", d->shear_degrees);
  if (d->elastic)
    g_string_append_printf (s, "%s%s", s->len > 0 ? "\n" : "", _("elastic"));
  return g_string_free (s, FALSE);
}

/* The first training image, transformed by draws from the recipe's ranges as training does. */
static void
update_augmentation (DlExplorePage *self)
{
  const NnImageSet *train;
  float in[28 * 28], out[28 * 28];
  g_autofree float *scratch = g_new (float, nn_augment_scratch_size (28, 28));
  g_autofree char *summary = NULL;
  NnAugmentConfig config;

  dl_recipe_augment_from_settings (self->settings, &config);
  summary = dl_recipe_describe_augment (&config);
  gtk_label_set_label (self->augment_summary, summary);
  if (self->dataset == NULL || self->dataset->train->rows != 28 || self->dataset->train->cols != 28)
    return;
  train = self->dataset->train;
  for (int i = 0; i < 28 * 28; i++)
    in[i] = train->pixels[i] / 255.0f;
  dl_digit_view_set_image (self->augment_views[0], in);
  gtk_label_set_label (self->augment_captions[0], _("original"));
  {
    g_autofree char *label = g_strdup_printf (_("The first training image, a %s"),
                                              self->dataset->class_names[train->labels[0]]);

    gtk_accessible_update_property (GTK_ACCESSIBLE (self->augment_views[0]),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, label, -1);
  }
  for (int k = 1; k <= N_SAMPLES; k++)
    {
      NnAugmentDraw drawn;
      g_autofree char *caption = NULL;
      g_autofree char *tip = NULL;
      NnRng rng;

      nn_rng_init (&rng, self->draw * N_SAMPLES + (guint64) k);
      nn_augment_random (out, in, 28, 28, &config, &rng, scratch, &drawn);
      caption = describe_draw (&config, &drawn);
      dl_digit_view_set_image (self->augment_views[k], out);
      gtk_label_set_label (self->augment_captions[k], caption);
      tip = g_strdelimit (g_strdup (caption), "\n", ' ');
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->augment_views[k]), tip);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->augment_views[k]),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      nn_augment_config_is_identity (&config)
                                        ? _("The first training image, unchanged") : tip,
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                      _("The first training image, transformed at random "
                                        "within the recipe's ranges"), -1);
    }
}

/* The spinner turns only while it is on screen: its animation asks for a frame, and a new
 * layout of its page, sixty times a second for as long as it spins, even in a page not shown. */
static void
on_spinner_mapped (GtkWidget *spinner)
{
  gtk_spinner_set_spinning (GTK_SPINNER (spinner), gtk_widget_get_mapped (spinner));
}

static void
on_redraw (DlExplorePage *self)
{
  self->draw++;
  update_augmentation (self);
}

/* The largest and the smallest class of a split, with their shares of it. */
static void
class_extremes (const NnSplitReport *split,
                size_t               n_classes,
                size_t              *most,
                size_t              *fewest,
                double              *total)
{
  *most = *fewest = 0;
  *total = 0;
  for (size_t k = 0; k < n_classes; k++)
    {
      *total += split->class_counts[k];
      if (split->class_counts[k] > split->class_counts[*most])
        *most = k;
      if (split->class_counts[k] < split->class_counts[*fewest])
        *fewest = k;
    }
  *total = MAX (*total, 1);
}

/* The share of black pixels, and the most common other value with its share. */
static void
pixel_extremes (const NnSplitReport *split,
                double              *black,
                int                 *common,
                double              *common_share)
{
  double n = MAX (split->n_images * (double) (split->rows * split->cols), 1);

  *common = 1;
  for (int v = 1; v < 256; v++)
    if (split->histogram[v] > split->histogram[*common])
      *common = v;
  *black = 100 * split->histogram[0] / n;
  *common_share = 100 * split->histogram[*common] / n;
}

/* The charts' key numbers as sentences, for screen readers. */
static void
summarise_charts (DlExplorePage *self)
{
  const NnReport *r = self->report;
  const NnSplitReport *tr = &r->splits[0], *te = &r->splits[1];
  g_autofree char *classes = NULL;
  g_autofree char *pixels = NULL;
  size_t tr_most, tr_fewest, te_most, te_fewest;
  double tr_total, te_total, tr_black, te_black, tr_share, te_share;
  int tr_common, te_common;

  class_extremes (tr, r->n_classes, &tr_most, &tr_fewest, &tr_total);
  class_extremes (te, r->n_classes, &te_most, &te_fewest, &te_total);
  /* Translators: the class balance chart for screen readers; class names and their shares */
  classes = g_strdup_printf (_("Training: most images in class %s (%.1f%%), fewest in class %s "
                               "(%.1f%%). Test: most in class %s (%.1f%%), fewest in class %s "
                               "(%.1f%%)."),
                             r->class_names[tr_most], 100 * tr->class_counts[tr_most] / tr_total,
                             r->class_names[tr_fewest],
                             100 * tr->class_counts[tr_fewest] / tr_total,
                             r->class_names[te_most], 100 * te->class_counts[te_most] / te_total,
                             r->class_names[te_fewest],
                             100 * te->class_counts[te_fewest] / te_total);
  dl_chart_set_summary (self->class_chart, classes);
  pixel_extremes (tr, &tr_black, &tr_common, &tr_share);
  pixel_extremes (te, &te_black, &te_common, &te_share);
  /* Translators: the pixel histogram for screen readers; the values are 0 … 255 */
  pixels = g_strdup_printf (_("Training: %.1f%% of the pixels are black (0); the most common "
                              "other value is %d (%.2f%%). Test: %.1f%% black; most common "
                              "other value %d (%.2f%%)."),
                            tr_black, tr_common, tr_share, te_black, te_common, te_share);
  dl_chart_set_summary (self->pixel_chart, pixels);
}

static void
show_report (DlExplorePage *self)
{
  const NnReport *r = self->report;
  const NnSplitReport *tr = &r->splits[0], *te = &r->splits[1];
  g_autofree char *n_train = dl_format_count (tr->n_images);
  g_autofree char *n_test = dl_format_count (te->n_images);
  g_autofree char *counts = g_strdup_printf (_("%s training, %s test"), n_train, n_test);
  g_autofree char *dims = g_strdup_printf ("%zu × %zu", tr->rows, tr->cols);
  g_autofree char *labels = g_strdup_printf ("%u – %u", MIN (tr->label_min, te->label_min),
                                             MAX (tr->label_max, te->label_max));
  g_autofree char *stats = g_strdup_printf (_("mean %.4f, standard deviation %.4f"), tr->mean,
                                            tr->std);
  g_autofree char *dup_train = dl_format_count (tr->n_duplicates);
  g_autofree char *dup_test = dl_format_count (te->n_duplicates);
  g_autofree char *dup_cross = dl_format_count (r->n_cross_duplicates);
  g_autofree char *dups = g_strdup_printf (_("%s in training, %s in test, %s test images also "
                                             "in training"), dup_train, dup_test, dup_cross);
  g_autofree char *n_blank = dl_format_count (tr->n_blank + te->n_blank);
  g_autofree char *n_near_blank = dl_format_count (tr->n_near_blank + te->n_near_blank);
  g_autofree char *blanks = g_strdup_printf (_("%s blank, %s nearly blank"), n_blank,
                                             n_near_blank);
  double total_train = 0, total_test = 0;

  for (guint i = 0; i < self->rows->len; i++)
    adw_preferences_group_remove (self->report_group, g_ptr_array_index (self->rows, i));
  g_ptr_array_set_size (self->rows, 0);
  add_row (self, _("Dataset"), r->dataset);
  add_row (self, _("Images"), counts);
  add_row (self, _("Size"), dims);
  add_row (self, _("Labels"), labels);
  add_row (self, _("Training pixels"), stats);
  add_row (self, _("Exact duplicates"), dups);
  add_row (self, _("Blank images"), blanks);
  add_row (self, _("SHA-256, training images"), tr->sha256[0]);
  add_row (self, _("SHA-256, test images"), te->sha256[0]);

  /* shares, so the two splits of different sizes compare */
  dl_chart_clear (self->class_chart);
  dl_chart_clear (self->pixel_chart);
  for (size_t k = 0; k < r->n_classes; k++)
    {
      total_train += tr->class_counts[k];
      total_test += te->class_counts[k];
    }
  for (size_t k = 0; k < r->n_classes; k++)
    {
      dl_chart_append (self->class_chart, self->train_bars, k, tr->class_counts[k] / total_train);
      dl_chart_append (self->class_chart, self->test_bars, k, te->class_counts[k] / total_test);
    }
  dl_chart_set_x_range (self->class_chart, -0.5, r->n_classes - 0.5);
  summarise_charts (self);
  /* the black background dwarfs everything: plot the other intensities, share of pixels */
  for (int v = 1; v < 256; v++)
    {
      double n_tr = tr->n_images * (double) (tr->rows * tr->cols);
      double n_te = te->n_images * (double) (te->rows * te->cols);

      dl_chart_append (self->pixel_chart, self->train_pixels, v, 100 * tr->histogram[v] / n_tr);
      dl_chart_append (self->pixel_chart, self->test_pixels, v, 100 * te->histogram[v] / n_te);
    }

  {
    GtkWidget *child;

    while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->means_box))) != NULL)
      gtk_flow_box_remove (self->means_box, child);
    if (tr->rows == 28 && tr->cols == 28)
      for (size_t k = 0; k < r->n_classes; k++)
        {
          GtkWidget *view = dl_digit_view_new ();
          g_autofree char *name = g_strdup_printf (_("Mean image of class %s"), r->class_names[k]);
          g_autofree char *n = dl_format_count (tr->class_counts[k]);
          g_autofree char *count = g_strdup_printf (ngettext ("The average of %s training image",
                                                              "The average of %s training images",
                                                              tr->class_counts[k]),
                                                    n);

          /* five in a line, as large as the width allows (twice the thumbnails' size at most) */
          gtk_widget_set_size_request (view, 56, 56);
          dl_digit_view_set_image (DL_DIGIT_VIEW (view), tr->class_means + k * 784);
          gtk_widget_set_tooltip_text (view, r->class_names[k]);
          gtk_accessible_update_property (GTK_ACCESSIBLE (view), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                          name, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, count, -1);
          gtk_flow_box_append (self->means_box, view);
          gtk_widget_set_focusable (gtk_widget_get_parent (view), FALSE);
        }
  }
  update_augmentation (self);
  gtk_stack_set_visible_child_name (self->stack, "report");
}

static void
report_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GError *error = NULL;
  NnReport *report = nn_report_new (task_data, &error);

  if (report == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, report, (GDestroyNotify) nn_report_free);
}

static void
on_report (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  NnReport *report = g_task_propagate_pointer (G_TASK (result), &error);
  DlExplorePage *self;

  if (report == NULL)
    {
      g_debug ("The dataset report failed: %s", error->message);
      return;
    }
  /* results of a replaced dataset are dropped: its task was cancelled */
  if (g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result))))
    {
      nn_report_free (report);
      return;
    }
  self = DL_EXPLORE_PAGE (source);
  g_clear_pointer (&self->report, nn_report_free);
  self->report = report;
  show_report (self);
  g_debug ("dataset report shown");
}

void
dl_explore_page_set_dataset (DlExplorePage *self,
                             NnDataset     *dataset)
{
  g_return_if_fail (DL_IS_EXPLORE_PAGE (self));

  /* reports of the old dataset must not outlive it */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_clear_pointer (&self->report, nn_report_free);
  self->dataset = dataset;
  gtk_stack_set_visible_child_name (self->stack, dataset != NULL ? "loading" : "no-data");
  if (dataset != NULL)
    {
      g_autoptr(GTask) task = g_task_new (self, self->cancellable, on_report, NULL);

      /* the worker holds a reference: the window may replace the dataset meanwhile */
      g_task_set_task_data (task, nn_dataset_ref (dataset), (GDestroyNotify) nn_dataset_unref);
      g_task_run_in_thread (task, report_thread);
    }
}

const NnReport *
dl_explore_page_get_report (DlExplorePage *self)
{
  g_return_val_if_fail (DL_IS_EXPLORE_PAGE (self), NULL);
  return self->report;
}

static void
dl_explore_page_dispose (GObject *object)
{
  DlExplorePage *self = DL_EXPLORE_PAGE (object);

  dl_page_set_session (DL_PAGE (self), NULL);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (dl_explore_page_parent_class)->dispose (object);
}

static void
dl_explore_page_finalize (GObject *object)
{
  DlExplorePage *self = DL_EXPLORE_PAGE (object);

  nn_report_free (self->report);
  g_ptr_array_unref (self->rows);
  G_OBJECT_CLASS (dl_explore_page_parent_class)->finalize (object);
}

static void
dl_explore_page_class_init (DlExplorePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  dl_page_class_install_session (object_class, PROP_SESSION,
                                 G_STRUCT_OFFSET (DlExplorePage, session),
                                 (DlPageFollowFunc) dl_explore_page_follow_session);
  object_class->dispose = dl_explore_page_dispose;
  object_class->finalize = dl_explore_page_finalize;
  g_type_ensure (DL_TYPE_DATASET_STATUS);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/digitlab/DigitLab/dl-explore-page.ui");
  gtk_widget_class_bind_template_child (widget_class, DlExplorePage, stack);
  gtk_widget_class_bind_template_child (widget_class, DlExplorePage, dataset_status);
  gtk_widget_class_bind_template_child (widget_class, DlExplorePage, report_group);
  gtk_widget_class_bind_template_child (widget_class, DlExplorePage, charts_box);
  gtk_widget_class_bind_template_child (widget_class, DlExplorePage, means_box);
  gtk_widget_class_bind_template_child (widget_class, DlExplorePage, augment_grid);
  gtk_widget_class_bind_template_child (widget_class, DlExplorePage, augment_summary);
  gtk_widget_class_bind_template_child (widget_class, DlExplorePage, angle_spin);
  gtk_widget_class_bind_template_callback (widget_class, on_redraw);
  gtk_widget_class_bind_template_callback (widget_class, on_spinner_mapped);
}

static GtkWidget *
heading (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_widget_add_css_class (label, "heading");
  return label;
}

static void
dl_explore_page_init (DlExplorePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* scrolling the page over the rotation field must not change it */
  dl_scroll_guard_attach (GTK_WIDGET (self->angle_spin));
  self->rows = g_ptr_array_new ();
  self->cancellable = g_cancellable_new ();

  self->class_chart = DL_CHART (dl_chart_new (_("class"), _("share of images")));
  self->train_bars = dl_chart_add_series (self->class_chart, _("training"), "blue", DL_CHART_BARS);
  self->test_bars = dl_chart_add_series (self->class_chart, _("test"), "orange", DL_CHART_BARS);
  dl_chart_set_y_range (self->class_chart, 0, NAN);
  dl_chart_set_y_percent (self->class_chart, TRUE);
  dl_chart_set_x_step (self->class_chart, 1);
  self->pixel_chart = DL_CHART (dl_chart_new (_("pixel value (0 excluded)"),
                                              /* xgettext:no-c-format */
                                              _("% of pixels")));
  /* the two splits' histograms nearly coincide: training's dots make a band the test line
   * runs along, so neither hides the other */
  self->train_pixels = dl_chart_add_series (self->pixel_chart, _("training"), "blue",
                                            DL_CHART_MARKERS);
  self->test_pixels = dl_chart_add_series (self->pixel_chart, _("test"), "orange", DL_CHART_LINE);
  /* from a twentieth of a percent to a few percent: only a log axis shows both */
  dl_chart_set_y_log (self->pixel_chart, TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->class_chart),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Images per class"), -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->pixel_chart),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Pixel intensity histogram"), -1);
  gtk_box_append (self->charts_box, heading (_("Images per Class")));
  gtk_box_append (self->charts_box, GTK_WIDGET (self->class_chart));
  gtk_box_append (self->charts_box, heading (_("Pixel Values")));
  gtk_box_append (self->charts_box, GTK_WIDGET (self->pixel_chart));

  /* pictures and captions in rows of their own: every picture of a row gets the same height,
   * however many lines the captions take */
  for (int k = 0; k <= N_SAMPLES; k++)
    {
      self->augment_views[k] = DL_DIGIT_VIEW (dl_digit_view_new ());
      gtk_widget_set_size_request (GTK_WIDGET (self->augment_views[k]), 64, 64);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->augment_views[k]),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("A transformed copy of the first training image"), -1);
      self->augment_captions[k] = GTK_LABEL (gtk_label_new (NULL));
      gtk_label_set_justify (self->augment_captions[k], GTK_JUSTIFY_CENTER);
      gtk_widget_set_valign (GTK_WIDGET (self->augment_captions[k]), GTK_ALIGN_START);
      gtk_widget_add_css_class (GTK_WIDGET (self->augment_captions[k]), "caption");
      gtk_widget_add_css_class (GTK_WIDGET (self->augment_captions[k]), "numeric");
      gtk_widget_add_css_class (GTK_WIDGET (self->augment_captions[k]), "dim-label");
      gtk_grid_attach (self->augment_grid, GTK_WIDGET (self->augment_views[k]), k % 3,
                       2 * (k / 3), 1, 1);
      gtk_grid_attach (self->augment_grid, GTK_WIDGET (self->augment_captions[k]), k % 3,
                       2 * (k / 3) + 1, 1, 1);
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->augment_views[0]),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("The original image"), -1);
  self->settings = g_settings_new (APP_ID);
  /* the recipe's rotation: the one range the preview lets you try here */
  g_settings_bind (self->settings, "rotation-degrees",
                   gtk_spin_button_get_adjustment (self->angle_spin), "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_swapped (self->settings, "changed", G_CALLBACK (update_augmentation), self);
  update_augmentation (self);
  gtk_stack_set_visible_child_name (self->stack, "no-data");
}

GtkWidget *
dl_explore_page_get_figure (DlExplorePage *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return GTK_WIDGET (self->class_chart);
}

DlDatasetStatus *
dl_explore_page_get_status (DlExplorePage *self)
{
  g_return_val_if_fail (DL_IS_EXPLORE_PAGE (self), NULL);
  return self->dataset_status;
}

static void
on_session_dataset (DlExplorePage *self)
{
  dl_explore_page_set_dataset (self, dl_session_get_dataset (self->session));
}

/* Follows the session: everything the page shows of the shared state comes from its notify. */
static void
dl_explore_page_follow_session (DlExplorePage *self,
                                DlSession     *old_session)
{
  DlSession *session = self->session;

  if (session == NULL)
    return;
  g_signal_connect_swapped (session, "notify::dataset", G_CALLBACK (on_session_dataset), self);
  on_session_dataset (self);
}

static void
dl_explore_page_list_figures (DlPage    *page,
                              GPtrArray *figures)
{
  DlExplorePage *self = DL_EXPLORE_PAGE (page);
  g_autoptr(DlImageFigure) means = dl_image_figure_new (5);
  DlPageFigure *items[3];

  /* the mean images, drawn for the file as the page shows them */
  if (self->report != NULL)
    {
      const NnSplitReport *tr = &self->report->splits[0];

      for (size_t k = 0; k < self->report->n_classes; k++)
        dl_image_figure_add (means, tr->class_means + k * tr->rows * tr->cols, tr->cols, tr->rows,
                             self->report->class_names[k]);
    }
  items[0] = dl_page_add_figure (figures, "class-balance", _("Images per class"),
                                 self->class_chart);
  items[1] = dl_page_add_figure (figures, "pixel-histogram", _("Pixel intensity histogram"),
                                 self->pixel_chart);
  items[2] = dl_page_add_figure (figures, "class-means", _("Mean image of each class"), means);
  for (guint i = 0; i < G_N_ELEMENTS (items); i++)
    if (!dl_figure_has_data (items[i]->figure))
      dl_page_figure_set_unavailable (items[i], _("There is no dataset report yet: open a "
                                                  "dataset first."));
}

static DlDatasetStatus *
dl_explore_page_get_status_page (DlPage *page)
{
  return DL_EXPLORE_PAGE (page)->dataset_status;
}

static void
dl_explore_page_page_iface_init (DlPageInterface *iface)
{
  iface->name = "explore";
  iface->title = N_("E_xplore");
  iface->icon_name = "edit-find-symbolic";
  iface->list_figures = dl_explore_page_list_figures;
  iface->get_status = dl_explore_page_get_status_page;
}
