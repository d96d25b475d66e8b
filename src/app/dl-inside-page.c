/* dl-inside-page.c: the session's input through the network; workers compute, the page draws */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dl-post.h"
#include "dl-inside-page.h"

#include "dl-page.h"

#include <glib/gi18n.h>
#include <math.h>

#include "dl-activation-bars.h"
#include "dl-canvas.h"
#include "dl-tile-grid.h"
#include "nn-explain.h"
#include "nn-preprocess.h"

/* Nearest training images shown. */
#define K_NEAREST 8
/* The most a deeper layer's filters take of the page's height before they scroll. */
#define MAX_FILTERS_HEIGHT 320

/* One part of the page per convolution, pooling and dense layer. */
typedef struct
{
  size_t             first;       /* the layer that names it */
  size_t             shown;       /* the layer whose output it shows (an activation after it) */
  char              *after;       /* that activation's spec item, or NULL */
  size_t             C, H, W;     /* its output */
  GtkWidget         *box;
  GtkLabel          *title;
  DlTileGrid        *filters;     /* convolutions */
  DlTileGrid        *filters_legend; /* beside a deeper layer's filters, which scroll */
  GtkScrolledWindow *filters_scroller;
  DlTileGrid        *maps;        /* outputs with H × W > 1 */
  DlActivationBars  *bars;        /* vectors */
  GtkRevealer       *revealer;    /* the map shown enlarged */
  DlTileGrid        *large;
  GtkLabel          *large_label;
  int                enlarged;    /* its channel, or −1 */
  float             *values;      /* (C, H, W) as last computed, or NULL */
} Section;

/* A worker that computes for the latest request only: one job at a time, the newest waiting. */
typedef struct
{
  NnExplainer *explainer;         /* its own copy of the model, made on demand; a running job
                                   * holds it, and gives it back when it is still current */
  gboolean     busy;
  gboolean     pending;           /* a request arrived while busy */
} Lane;

struct _DlInsidePage
{
  AdwBin            parent_instance;

  DlSession        *session;

  GtkStack         *stack;
  AdwStatusPage    *unfit_page;
  DlTileGrid       *input_view;
  GtkLabel         *input_title;
  GtkLabel         *prediction_label;
  GtkLabel         *input_hint;
  DlCanvas         *canvas;
  GtkWidget        *training_box;
  GtkLabel         *training_label;
  DlTileGrid       *training_filters;
  gboolean          filters_due;  /* the run's filters changed while the page was not shown */
  GtkWidget        *why_box;
  GtkFlowBox       *class_box;
  GtkLabel         *saliency_title;
  DlTileGrid       *saliency_view;
  GtkLabel         *occlusion_title;
  DlTileGrid       *occlusion_view;
  GtkLabel         *neighbours_label;
  GtkWidget        *embedding_box;
  GtkProgressBar   *embedding_progress;
  GtkWidget        *embed_button;
  DlTileGrid       *neighbours_view;
  GtkBox           *layers_box;

  NnModel          *model;        /* borrowed from the session; NULL when none or unfit */
  NnDataset        *dataset;      /* borrowed from the session */
  guint             generation;   /* grows with every model: older results are dropped */
  GArray           *sections;     /* Section */
  GPtrArray        *class_buttons;

  DlInput          *input;        /* a reference, or NULL */
  int               chosen;       /* the class asked for, −1: the predicted one */
  int               klass;        /* the class shown */
  int               predicted;
  float            *probs;        /* (n_classes) or NULL */
  gboolean          dirty;        /* the input or class changed while the page was hidden */
  DlInput          *shown_input;  /* what the maps, bars and saliency show now, or NULL */
  float            *occlusion;    /* (n_classes, H, W) for occlusion_input, or NULL */
  DlInput          *occlusion_input;

  Lane              fast;         /* forward, saliency, nearest images */
  Lane              slow;         /* occlusion */
  gint64            update_us;

  NnEmbeddings     *embeddings;   /* of the model and dataset in use, or NULL */
  GCancellable     *embedding;    /* the embedding job running, or NULL */
  gboolean          embedding_cancelled;
  char             *embedding_error;
  size_t            n_neighbours;
  guint             neighbours[K_NEAREST];
  float             distances[K_NEAREST];
  gboolean          disposed;     /* jobs that end later find no widgets to fill */
};

static void dl_inside_page_page_iface_init (DlPageInterface *iface);
static void request_update (DlInsidePage *self);
static void start_embedding (DlInsidePage *self);

G_DEFINE_FINAL_TYPE_WITH_CODE (DlInsidePage, dl_inside_page, ADW_TYPE_BIN,
                               G_IMPLEMENT_INTERFACE (DL_TYPE_PAGE, dl_inside_page_page_iface_init))

enum
{
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

/* ---- Small helpers ------------------------------------------------------------------------- */

static void
describe (gpointer    widget,
          const char *description)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  description, -1);
}

static void
min_max (const float *v,
         size_t       n,
         float       *lo,
         float       *hi)
{
  *lo = n > 0 ? v[0] : 0;
  *hi = n > 0 ? v[0] : 0;
  for (size_t i = 1; i < n; i++)
    {
      *lo = MIN (*lo, v[i]);
      *hi = MAX (*hi, v[i]);
    }
}

static size_t
arg_max_abs (const float *v,
             size_t       n)
{
  size_t best = 0;

  for (size_t i = 1; i < n; i++)
    if (fabsf (v[i]) > fabsf (v[best]))
      best = i;
  return best;
}

/* Where in the picture a pixel lies, in words (shown in parentheses after its row and column). */
static const char *
region_name (size_t row,
             size_t col,
             size_t H,
             size_t W)
{
  static const char *const names[3][3] = {
    { N_("upper left"), N_("top"), N_("upper right") },
    { N_("left"), N_("centre"), N_("right") },
    { N_("lower left"), N_("bottom"), N_("lower right") },
  };

  return _(names[MIN (row * 3 / MAX (H, (size_t) 1), (size_t) 2)]
                [MIN (col * 3 / MAX (W, (size_t) 1), (size_t) 2)]);
}

static const char *
class_name (DlInsidePage *self,
            int           klass)
{
  if (self->model == NULL || klass < 0 || (size_t) klass >= self->model->n_classes)
    return "–";
  return self->model->class_names[klass];
}

/* ---- Sections: one per layer that changes what the network sees ---------------------------- */

static void
section_clear (gpointer data)
{
  Section *s = data;

  g_clear_pointer (&s->values, g_free);
  g_clear_pointer (&s->after, g_free);
}

static void
show_enlarged (DlInsidePage *self,
               Section      *s)
{
  float lo, hi;
  size_t plane = s->H * s->W;
  g_autofree char *text = NULL;

  if (s->maps == NULL)
    return;
  dl_tile_grid_set_selected (s->maps, s->enlarged);
  gtk_revealer_set_reveal_child (s->revealer, s->enlarged >= 0 && s->values != NULL);
  if (s->enlarged < 0 || s->values == NULL)
    return;
  min_max (s->values + s->enlarged * plane, plane, &lo, &hi);
  dl_tile_grid_set_tiles (s->large, s->values + s->enlarged * plane, 1, s->H, s->W);
  {
    float layer_lo, layer_hi;

    /* the layer's shared scale, so the enlarged map reads like the small ones */
    min_max (s->values, s->C * plane, &layer_lo, &layer_hi);
    dl_tile_grid_set_color_map (s->large, DL_COLOR_MAP_SEQUENTIAL, MIN (layer_lo, 0.0f),
                                layer_hi);
  }
  /* Translators: a map shown enlarged: its channel, how many, its size and its values */
  text = g_strdup_printf (_("Channel %d of %zu · %zu × %zu · values from %.3g to %.3g"),
                          s->enlarged + 1, s->C, s->H, s->W, lo, hi);
  gtk_label_set_label (s->large_label, text);
  describe (s->large, text);
}

static void
on_map_activated (DlTileGrid   *maps,
                  guint         channel,
                  DlInsidePage *self)
{
  for (guint i = 0; i < self->sections->len; i++)
    {
      Section *s = &g_array_index (self->sections, Section, i);

      if (s->maps == maps)
        {
          /* a second click on the same map puts it back */
          s->enlarged = s->enlarged == (int) channel ? -1 : (int) channel;
          show_enlarged (self, s);
        }
    }
}

static GtkWidget *
heading_label (const char *text,
               const char *css_class)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_widget_add_css_class (label, css_class);
  return label;
}

/* The weights of a convolution, one tile per kernel, on a diverging scale around zero: the
 * first layer's filters as images, a deeper layer's one row per output channel with a kernel
 * per input channel. */
static void
fill_filters (DlInsidePage  *self,
              Section       *s,
              const NnLayer *l)
{
  NnExplainFilters f;
  size_t n;
  float lo, hi;
  g_autofree char *text = NULL;

  if (!nn_explain_get_filters (self->model->net, nn_network_get_params (self->model->net),
                               s->first, &f))
    return;
  n = f.n_out * f.n_in;
  min_max (f.weights, n * f.kh * f.kw, &lo, &hi);
  dl_tile_grid_set_tiles (s->filters, f.weights, n, f.kh, f.kw);
  /* the layer's symmetric scale: zero in the middle of the map */
  dl_tile_grid_set_color_map (s->filters, DL_COLOR_MAP_DIVERGING, -f.scale, f.scale);
  dl_tile_grid_set_legend (s->filters, _("Weight"));
  if (s->filters_scroller == NULL)
    {
      dl_tile_grid_set_columns (s->filters, 0);
      dl_tile_grid_set_tile_size (s->filters, 32, 44);
    }
  else
    {
      /* a row per output channel, a kernel per input channel: scrolls both ways, at most
       * MAX_FILTERS_HEIGHT tall, its legend outside */
      int rows_h = (int) (f.n_out * (14 + 4));

      dl_tile_grid_set_columns (s->filters, (guint) f.n_in);
      dl_tile_grid_set_tile_size (s->filters, 14, 14);
      dl_tile_grid_set_legend_on_screen (s->filters, FALSE);
      gtk_scrolled_window_set_min_content_height (s->filters_scroller,
                                                  MIN (rows_h, MAX_FILTERS_HEIGHT));
      dl_tile_grid_set_color_map (s->filters_legend, DL_COLOR_MAP_DIVERGING, -f.scale, f.scale);
      dl_tile_grid_set_legend (s->filters_legend, _("Weight"));
    }
  /* Translators: a convolution's filters for screen readers */
  text = g_strdup_printf (_("%zu filters of %zu × %zu on %zu input channels; weights from %.3g "
                            "to %.3g, blue negative, red positive"),
                          f.n_out, f.kh, f.kw, f.n_in, lo, hi);
  describe (s->filters, text);
}

static void
clear_sections (DlInsidePage *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->layers_box))) != NULL)
    gtk_box_remove (self->layers_box, child);
  g_array_set_size (self->sections, 0);
}

/* A layer as its spec item writes it: "conv(32,3,pad=1)", "maxpool(2)", "relu". */
static char *
layer_label (const NnLayer *l)
{
  const NnLayerClass *klass = nn_layer_class (l->spec.kind);
  GString *label = g_string_new (NULL);

  if (klass->print != NULL)
    klass->print (&l->spec, label);
  else
    g_string_append (label, klass->name);
  return g_string_free (label, FALSE);
}

/* The model's layers as the page shows them, from what the layer table says of each (never
 * its kind), so a new kind needs nothing here: a section per layer that computes something,
 * with a parameter-free layer that keeps the shape (an activation) right after it shown as its
 * output; views and layers that act only in training change nothing at inference and are
 * passed over. */
static void
build_sections (DlInsidePage *self)
{
  NnNetwork *net;
  size_t n_layers;
  gboolean open = FALSE;        /* the last section's output is the current one */

  clear_sections (self);
  if (self->model == NULL)
    return;
  net = self->model->net;
  n_layers = nn_network_get_n_layers (net);
  for (size_t i = 0; i < n_layers; i++)
    {
      const NnLayer *l = nn_network_get_layer (net, i);
      const NnLayerClass *klass = nn_layer_class (l->spec.kind);
      gboolean same_shape = l->out_c == l->in_c && l->out_h == l->in_h && l->out_w == l->in_w;
      Section s = { 0 };

      if (klass->is_view || klass->train_only)
        continue;
      if (open && same_shape && l->n_weight == 0 && l->n_bias == 0)
        {
          Section *last = &g_array_index (self->sections, Section, self->sections->len - 1);

          /* one activation per section: a second one gets its own */
          if (last->after == NULL)
            {
              last->shown = i;
              last->after = layer_label (l);
              continue;
            }
        }
      s.first = s.shown = i;
      s.enlarged = -1;
      g_array_append_val (self->sections, s);
      open = TRUE;
    }

  for (guint k = 0; k < self->sections->len; k++)
    {
      Section *s = &g_array_index (self->sections, Section, k);
      const NnLayer *first = nn_network_get_layer (net, s->first);
      const NnLayer *shown = nn_network_get_layer (net, s->shown);
      g_autofree char *title = NULL;
      g_autofree char *subtitle = NULL;
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
      NnExplainFilters filters;

      s->C = shown->out_c;
      s->H = shown->out_h;
      s->W = shown->out_w;
      {
        g_autofree char *label = layer_label (first);

        /* Translators: a section of the Inside page: the layer's number and its spec item,
         * such as "conv(32,3,pad=1)" */
        title = g_strdup_printf (_("Layer %zu: %s"), s->first + 1, label);
      }
      if (s->H * s->W == 1 && s->after != NULL)
        /* Translators: a dense layer's output: how many values, then the activation */
        subtitle = g_strdup_printf (_("Output %zu values, after %s"), s->C, s->after);
      else if (s->H * s->W == 1)
        subtitle = g_strdup_printf (_("Output %zu values"), s->C);
      else if (s->after != NULL)
        /* Translators: a layer's output: channels × height × width, then the activation */
        subtitle = g_strdup_printf (_("Output %zu × %zu × %zu, after %s"), s->C, s->H, s->W,
                                    s->after);
      else
        subtitle = g_strdup_printf (_("Output %zu × %zu × %zu"), s->C, s->H, s->W);
      s->box = box;
      s->title = GTK_LABEL (heading_label (title, "heading"));
      gtk_box_append (GTK_BOX (box), GTK_WIDGET (s->title));
      gtk_box_append (GTK_BOX (box), heading_label (subtitle, "dim-label"));

      if (nn_explain_get_filters (net, nn_network_get_params (net), s->first, &filters))
        {
          gtk_box_append (GTK_BOX (box), heading_label (filters.n_in == 1 ? _("Filters")
                                                        : _("Filters: a row per output channel, "
                                                            "a column per input channel"),
                                                        "caption-heading"));
          s->filters = DL_TILE_GRID (dl_tile_grid_new ());
          /* Translators: the name of a layer's filters for screen readers */
          {
            g_autofree char *name = g_strdup_printf (_("Filters of layer %zu"), s->first + 1);

            gtk_accessible_update_property (GTK_ACCESSIBLE (s->filters),
                                            GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
          }
          if (filters.n_in > 1)
            {
              /* many kernels scroll in their own area, both ways, so the page stays short */
              s->filters_scroller = GTK_SCROLLED_WINDOW (gtk_scrolled_window_new ());
              gtk_scrolled_window_set_policy (s->filters_scroller, GTK_POLICY_AUTOMATIC,
                                              GTK_POLICY_AUTOMATIC);
              gtk_scrolled_window_set_child (s->filters_scroller, GTK_WIDGET (s->filters));
              gtk_widget_add_css_class (GTK_WIDGET (s->filters_scroller), "card");
              s->filters_legend = DL_TILE_GRID (dl_tile_grid_new ());
              dl_tile_grid_set_legend_only (s->filters_legend, TRUE);
              gtk_widget_set_halign (GTK_WIDGET (s->filters_legend), GTK_ALIGN_CENTER);
            }
          fill_filters (self, s, first);
          if (s->filters_scroller != NULL)
            {
              gtk_box_append (GTK_BOX (box), GTK_WIDGET (s->filters_scroller));
              gtk_box_append (GTK_BOX (box), GTK_WIDGET (s->filters_legend));
            }
          else
            gtk_box_append (GTK_BOX (box), GTK_WIDGET (s->filters));
        }

      if (s->H * s->W > 1)
        {
          g_autofree char *name = NULL;

          gtk_box_append (GTK_BOX (box), heading_label (_("Activation maps (click one to "
                                                          "enlarge it)"), "caption-heading"));
          s->maps = DL_TILE_GRID (dl_tile_grid_new ());
          dl_tile_grid_set_tile_size (s->maps, s->H >= 20 ? 44 : 36, s->H >= 20 ? 72 : 56);
          dl_tile_grid_set_legend (s->maps, _("Activation"));
          dl_tile_grid_set_activatable (s->maps, TRUE);
          /* Translators: the name of a layer's activation maps for screen readers */
          name = g_strdup_printf (_("Activation maps of layer %zu"), s->shown + 1);
          gtk_accessible_update_property (GTK_ACCESSIBLE (s->maps), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                          name, -1);
          describe (s->maps, _("No input yet"));
          g_signal_connect (s->maps, "tile-activated", G_CALLBACK (on_map_activated), self);
          gtk_box_append (GTK_BOX (box), GTK_WIDGET (s->maps));

          s->revealer = GTK_REVEALER (gtk_revealer_new ());
          {
            GtkWidget *inner = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
            g_autofree char *large_name = NULL;

            gtk_widget_set_margin_top (inner, 12);
            s->large = DL_TILE_GRID (dl_tile_grid_new ());
            dl_tile_grid_set_tile_size (s->large, 196, 280);
            dl_tile_grid_set_legend (s->large, _("Activation"));
            /* Translators: the name of the enlarged map for screen readers */
            large_name = g_strdup_printf (_("Enlarged activation map of layer %zu"),
                                          s->shown + 1);
            gtk_accessible_update_property (GTK_ACCESSIBLE (s->large),
                                            GTK_ACCESSIBLE_PROPERTY_LABEL, large_name, -1);
            describe (s->large, _("No map chosen"));
            s->large_label = GTK_LABEL (heading_label ("", "dim-label"));
            gtk_label_set_xalign (s->large_label, 0.5);
            gtk_box_append (GTK_BOX (inner), GTK_WIDGET (s->large));
            gtk_box_append (GTK_BOX (inner), GTK_WIDGET (s->large_label));
            gtk_revealer_set_child (s->revealer, inner);
          }
          gtk_box_append (GTK_BOX (box), GTK_WIDGET (s->revealer));
        }
      else
        {
          g_autofree char *name = NULL;

          s->bars = DL_ACTIVATION_BARS (dl_activation_bars_new ());
          /* Translators: the name of a dense layer's outputs for screen readers */
          name = g_strdup_printf (_("Outputs of layer %zu"), s->shown + 1);
          gtk_accessible_update_property (GTK_ACCESSIBLE (s->bars), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                          name, -1);
          describe (s->bars, _("No input yet"));
          gtk_box_append (GTK_BOX (box), GTK_WIDGET (s->bars));
        }
      gtk_box_append (self->layers_box, box);
    }
}

/* A section's output for the current input, on its layer's shared scale. */
static void
show_section (DlInsidePage *self,
              Section      *s,
              const float  *values)     /* (C, H, W) or NULL */
{
  size_t n = s->C * s->H * s->W;
  g_autofree char *text = NULL;
  float lo, hi;

  g_clear_pointer (&s->values, g_free);
  if (values == NULL)
    {
      if (s->maps != NULL)
        {
          dl_tile_grid_set_tiles (s->maps, NULL, 0, 0, 0);
          describe (s->maps, _("No input yet"));
        }
      if (s->bars != NULL)
        {
          dl_activation_bars_set_values (s->bars, NULL, 0, NULL);
          describe (s->bars, _("No input yet"));
        }
      show_enlarged (self, s);
      return;
    }
  s->values = g_memdup2 (values, n * sizeof (float));
  min_max (values, n, &lo, &hi);
  if (s->maps != NULL)
    {
      size_t plane = s->H * s->W, strongest = 0;
      double best = -INFINITY;

      for (size_t c = 0; c < s->C; c++)
        {
          double sum = 0;

          for (size_t i = 0; i < plane; i++)
            sum += values[c * plane + i];
          if (sum > best)
            {
              best = sum;
              strongest = c;
            }
        }
      dl_tile_grid_set_tiles (s->maps, values, s->C, s->H, s->W);
      dl_tile_grid_set_color_map (s->maps, DL_COLOR_MAP_SEQUENTIAL, MIN (lo, 0.0f), hi);
      /* Translators: activation maps for screen readers: count, size, range, busiest channel */
      text = g_strdup_printf (_("%zu maps of %zu × %zu; values from %.3g to %.3g; channel %zu "
                                "is the most active"),
                              s->C, s->H, s->W, lo, hi, strongest + 1);
      describe (s->maps, text);
      show_enlarged (self, s);
    }
  else
    {
      gboolean scores = s->shown + 1 == nn_network_get_n_layers (self->model->net) &&
                        n == self->model->n_classes;
      size_t best = 0, active = 0;

      for (size_t i = 0; i < n; i++)
        {
          if (values[i] > values[best])
            best = i;
          if (values[i] > 0)
            active++;
        }
      dl_activation_bars_set_values (s->bars, values, n,
                                     scores ? (const char *const *) self->model->class_names
                                            : NULL);
      if (scores)
        /* Translators: the last layer's outputs for screen readers: the highest class, score */
        text = g_strdup_printf (_("Class scores before softmax; the highest is %s at %.3g"),
                                self->model->class_names[best], values[best]);
      else
        /* Translators: a dense layer's outputs: units, how many above zero, the largest */
        text = g_strdup_printf (_("%zu units, %zu above zero; the largest is unit %zu at %.3g"),
                                n, active, best + 1, values[best]);
      describe (s->bars, text);
    }
}

/* ---- The input, the class, and the maps for it --------------------------------------------- */

static void
on_class_toggled (GtkToggleButton *button,
                  DlInsidePage    *self)
{
  int klass = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "class"));

  /* the group's other button going inactive says nothing */
  if (!gtk_toggle_button_get_active (button) || klass == self->klass)
    return;
  dl_inside_page_choose_class (self, klass);
}

static void
build_class_buttons (DlInsidePage *self)
{
  GtkWidget *child;
  GtkToggleButton *group = NULL;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->class_box))) != NULL)
    gtk_flow_box_remove (self->class_box, child);
  g_ptr_array_set_size (self->class_buttons, 0);
  if (self->model == NULL)
    return;
  for (size_t k = 0; k < self->model->n_classes; k++)
    {
      GtkWidget *button = gtk_toggle_button_new ();
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);
      GtkWidget *label = gtk_label_new (self->model->class_names[k]);
      GtkWidget *bar = gtk_progress_bar_new ();

      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_widget_add_css_class (label, "numeric");
      gtk_box_append (GTK_BOX (box), label);
      gtk_box_append (GTK_BOX (box), bar);
      gtk_accessible_update_property (GTK_ACCESSIBLE (bar), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      self->model->class_names[k], -1);
      gtk_button_set_child (GTK_BUTTON (button), box);
      {
        g_autofree char *name = g_strdup_printf (_("Class %s"), self->model->class_names[k]);

        /* named from the start: update_class_buttons adds the probability */
        gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                        name, -1);
      }
      if (group != NULL)
        gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (button), group);
      else
        group = GTK_TOGGLE_BUTTON (button);
      g_object_set_data (G_OBJECT (button), "class", GINT_TO_POINTER ((int) k));
      g_object_set_data (G_OBJECT (button), "bar", bar);
      g_object_set_data (G_OBJECT (button), "label", label);
      g_signal_connect (button, "toggled", G_CALLBACK (on_class_toggled), self);
      gtk_flow_box_append (self->class_box, button);
      gtk_widget_set_focusable (gtk_widget_get_parent (button), FALSE);
      g_ptr_array_add (self->class_buttons, button);
    }
}

/* The probability of each class on its button, the class shown pressed. */
static void
update_class_buttons (DlInsidePage *self)
{
  for (guint k = 0; k < self->class_buttons->len; k++)
    {
      GtkWidget *button = self->class_buttons->pdata[k];
      GtkProgressBar *bar = g_object_get_data (G_OBJECT (button), "bar");
      double p = self->probs != NULL ? self->probs[k] : 0;
      g_autofree char *name = NULL;
      g_autofree char *tip = NULL;

      g_signal_handlers_block_by_func (button, on_class_toggled, self);
      gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (button), (int) k == self->klass);
      g_signal_handlers_unblock_by_func (button, on_class_toggled, self);
      gtk_progress_bar_set_fraction (bar, p);
      if (self->probs != NULL)
        /* Translators: a class's button: its name and probability */
        name = g_strdup_printf (_("Class %s, %.1f%%"), self->model->class_names[k], 100 * p);
      else
        name = g_strdup_printf (_("Class %s"), self->model->class_names[k]);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      name, -1);
      gtk_widget_set_tooltip_text (button, name);
      gtk_widget_set_sensitive (button, self->probs != NULL);
    }
}

static void
show_input (DlInsidePage *self)
{
  DlInput *input = self->input;
  g_autofree char *title = NULL;
  g_autofree char *description = NULL;

  if (input == NULL)
    {
      dl_tile_grid_set_tiles (self->input_view, NULL, 0, 0, 0);
      gtk_label_set_label (self->input_title, _("No input"));
      gtk_label_set_label (self->prediction_label, "");
      gtk_widget_set_visible (GTK_WIDGET (self->input_hint), TRUE);
      gtk_widget_set_visible (self->why_box, FALSE);
      describe (self->input_view, _("No input yet"));
      return;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->input_hint), FALSE);
  gtk_widget_set_visible (self->why_box, TRUE);
  dl_tile_grid_set_tiles (self->input_view, input->pixels, 1, input->height, input->width);
  dl_tile_grid_set_color_map (self->input_view, DL_COLOR_MAP_GREY, 0, 1);
  switch (input->source)
    {
    case DL_INPUT_DRAWING:
      title = g_strdup (_("Your drawing"));
      break;
    case DL_INPUT_FILE:
      title = g_strdup (_("The opened picture"));
      break;
    case DL_INPUT_DATASET:
    default:
      /* Translators: the input: split, index and true label of a dataset image */
      title = g_strdup_printf (_("%s image %u, labelled %s"),
                               input->is_test ? _("Test") : _("Training"), input->index,
                               self->dataset != NULL && input->label >= 0 &&
                               (size_t) input->label < self->dataset->n_classes
                                 ? self->dataset->class_names[input->label] : "–");
      break;
    }
  gtk_label_set_label (self->input_title, title);
  if (self->probs != NULL && self->predicted >= 0)
    {
      g_autofree char *prediction = NULL;

      /* Translators: what the network answers for the input, and how sure */
      prediction = g_strdup_printf (_("Looks like %s, %.1f%% sure"),
                                    class_name (self, self->predicted),
                                    100 * self->probs[self->predicted]);
      gtk_label_set_label (self->prediction_label, prediction);
      description = g_strdup_printf ("%s. %s", title, prediction);
    }
  else
    {
      gtk_label_set_label (self->prediction_label, "");
      description = g_strdup (title);
    }
  describe (self->input_view, description);
}

static void
show_saliency (DlInsidePage *self,
               const float  *saliency)    /* (H, W) or NULL */
{
  g_autofree char *title = NULL;
  g_autofree char *text = NULL;
  DlInput *input = self->input;

  /* Translators: the heading of the saliency map, for a class */
  title = g_strdup_printf (_("Saliency for %s"), class_name (self, self->klass));
  gtk_label_set_label (self->saliency_title, title);
  if (saliency == NULL || input == NULL)
    {
      dl_tile_grid_set_tiles (self->saliency_view, NULL, 0, 0, 0);
      describe (self->saliency_view, _("No input yet"));
      return;
    }
  {
    size_t n = input->width * input->height, best = arg_max_abs (saliency, n);
    float lo, hi;

    min_max (saliency, n, &lo, &hi);
    dl_tile_grid_set_tiles (self->saliency_view, saliency, 1, input->height, input->width);
    dl_tile_grid_set_color_map (self->saliency_view, DL_COLOR_MAP_DIVERGING, lo, hi);
    dl_tile_grid_set_underlay (self->saliency_view, input->pixels);
    dl_tile_grid_set_tile_size (self->saliency_view, 168, 280);
    dl_tile_grid_set_legend (self->saliency_view, _("Gradient of the class score"));
    /* Translators: the saliency map for screen readers: class, where it is strongest */
    text = g_strdup_printf (saliency[best] >= 0
                              ? _("Saliency for class %s over the input: strongest at row %zu, "
                                  "column %zu (%s), where more ink raises the score")
                              : _("Saliency for class %s over the input: strongest at row %zu, "
                                  "column %zu (%s), where more ink lowers the score"),
                            class_name (self, self->klass), best / input->width + 1,
                            best % input->width + 1,
                            region_name (best / input->width, best % input->width, input->height,
                                         input->width));
    describe (self->saliency_view, text);
  }
}

static void
show_occlusion (DlInsidePage *self,
                const float  *occlusion)    /* (H, W) or NULL */
{
  g_autofree char *title = NULL;
  DlInput *input = self->input;

  /* Translators: the heading of the occlusion map, for a class */
  title = g_strdup_printf (_("Occlusion for %s"), class_name (self, self->klass));
  gtk_label_set_label (self->occlusion_title, title);
  if (occlusion == NULL || input == NULL)
    {
      if (input == NULL)
        dl_tile_grid_set_tiles (self->occlusion_view, NULL, 0, 0, 0);
      describe (self->occlusion_view, input == NULL ? _("No input yet") : _("Computing…"));
      return;
    }
  {
    size_t n = input->width * input->height, best = 0;
    float lo, hi;
    g_autofree char *text = NULL;

    for (size_t i = 1; i < n; i++)
      if (occlusion[i] > occlusion[best])
        best = i;
    min_max (occlusion, n, &lo, &hi);
    dl_tile_grid_set_tiles (self->occlusion_view, occlusion, 1, input->height, input->width);
    dl_tile_grid_set_color_map (self->occlusion_view, DL_COLOR_MAP_DIVERGING, lo, hi);
    dl_tile_grid_set_underlay (self->occlusion_view, input->pixels);
    dl_tile_grid_set_tile_size (self->occlusion_view, 168, 280);
    dl_tile_grid_set_legend (self->occlusion_view, _("Drop in probability"));
    /* Translators: the occlusion map for screen readers: class, where covering hurts most */
    text = g_strdup_printf (_("Occlusion for class %s over the input: covering around row %zu, "
                              "column %zu (%s) lowers its probability most, by %.1f percentage "
                              "points"),
                            class_name (self, self->klass), best / input->width + 1,
                            best % input->width + 1,
                            region_name (best / input->width, best % input->width, input->height,
                                         input->width),
                            100 * occlusion[best]);
    describe (self->occlusion_view, text);
  }
}

static void
show_neighbours (DlInsidePage *self)
{
  const NnImageSet *train = self->dataset != NULL ? self->dataset->train : NULL;
  size_t n = self->embeddings != NULL && self->input != NULL && train != NULL
               ? self->n_neighbours : 0;
  size_t plane = train != NULL ? train->rows * train->cols : 0;
  g_autofree float *tiles = g_new (float, MAX (n * plane, (size_t) 1));
  g_autoptr(GString) text = g_string_new (NULL);
  char *captions[K_NEAREST + 1] = { NULL };

  for (size_t i = 0; i < n; i++)
    {
      guint index = self->neighbours[i];
      const char *label = self->dataset->class_names[train->labels[index]];

      for (size_t p = 0; p < plane; p++)
        tiles[i * plane + p] = train->pixels[(size_t) index * plane + p] / 255.0f;
      /* Translators: a nearest image's caption: its label and distance */
      captions[i] = g_strdup_printf (_("%s · %.2f"), label, self->distances[i]);
      if (i > 0)
        g_string_append (text, ", ");
      /* Translators: one nearest image for screen readers: index, label, distance */
      g_string_append_printf (text, _("training image %u, a %s, at %.2f"), index, label,
                              self->distances[i]);
    }
  dl_tile_grid_set_tiles (self->neighbours_view, tiles, n,
                          train != NULL ? train->rows : 0, train != NULL ? train->cols : 0);
  dl_tile_grid_set_captions (self->neighbours_view, n > 0 ? (const char *const *) captions : NULL);
  dl_tile_grid_set_color_map (self->neighbours_view, DL_COLOR_MAP_GREY, 0, 1);
  for (size_t i = 0; i < n; i++)
    g_free (captions[i]);
  if (n > 0)
    {
      /* Translators: the nearest training images for screen readers; a list follows */
      g_autofree char *description = g_strdup_printf (_("Nearest first, by distance in the "
                                                        "penultimate layer: %s"), text->str);

      describe (self->neighbours_view, description);
    }
  else
    describe (self->neighbours_view, _("None yet"));
}

/* What the nearest-images part says and offers: why there are none, the job, or the images. */
static void
update_neighbours_state (DlInsidePage *self)
{
  g_autoptr(GError) unfit = NULL;
  const char *text;
  gboolean can_embed = FALSE;

  if (self->model == NULL)
    text = "";
  else if (self->dataset == NULL)
    text = _("Get a dataset on the Dataset page to compare the input with its training images.");
  else if (!nn_model_check_dataset (self->model, self->dataset, &unfit))
    text = _("The model does not fit the dataset in use, so its training images cannot be "
             "compared.");
  else if (self->embedding != NULL)
    text = _("Passing every training image through the network, once for this model…");
  else if (self->embeddings == NULL)
    {
      text = self->embedding_error != NULL ? self->embedding_error
             : self->embedding_cancelled ? _("Stopped before every training image was compared.")
             : _("The training images are compared with the input in the penultimate layer.");
      can_embed = TRUE;
    }
  else if (self->input == NULL)
    text = _("Give the network an input to see the training images nearest to it.");
  else
    text = _("Nearest first, by distance in the penultimate layer. Click one to open it on the "
             "Dataset page.");
  gtk_label_set_label (self->neighbours_label, text);
  gtk_widget_set_visible (self->embedding_box, self->embedding != NULL);
  gtk_widget_set_visible (self->embed_button, can_embed);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "inside.compute-embeddings", can_embed);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "inside.cancel-embeddings",
                                 self->embedding != NULL);
  show_neighbours (self);
}

static void
on_neighbour_activated (DlTileGrid   *grid,
                        guint         tile,
                        DlInsidePage *self)
{
  if (self->session == NULL || tile >= self->n_neighbours)
    return;
  dl_session_show_image (self->session, FALSE, self->neighbours[tile]);
}

/* ---- Workers ------------------------------------------------------------------------------- */

/* Jobs hold the page weakly: a window that closes takes its pages (and the session) along at
 * once, and a job that ends later finds nobody to tell. */
static GWeakRef *
weak_page_new (DlInsidePage *self)
{
  GWeakRef *ref = g_new0 (GWeakRef, 1);

  g_weak_ref_init (ref, self);
  return ref;
}

/* Frees ref; returns the page (a reference) or NULL when it is gone or going. */
static DlInsidePage *
weak_page_take (GWeakRef *ref)
{
  DlInsidePage *self = g_weak_ref_get (ref);

  g_weak_ref_clear (ref);
  g_free (ref);
  if (self != NULL && self->disposed)
    g_clear_object (&self);
  return self;
}

/* What a job computes from; the explainer is the lane's, lent for the job. */
typedef struct
{
  NnExplainer  *explainer;
  DlInput      *input;
  guint8       *bytes;          /* a dataset image's own bytes (the input's pixels × 255), or
                                 * NULL: run from those, its embedding is its row's exactly */
  int           klass;          /* −1: the predicted one */
  NnEmbeddings *embeddings;     /* nullable */
  guint         generation;
} Job;

static void
job_free (Job *job)
{
  g_clear_pointer (&job->explainer, nn_explainer_free);
  g_clear_pointer (&job->input, dl_input_unref);
  g_clear_pointer (&job->embeddings, nn_embeddings_unref);
  g_free (job->bytes);
  g_free (job);
}

/* The bytes of a dataset input as its split stores them, when the session's dataset still
 * holds that very image; else NULL. */
static guint8 *
dataset_bytes (DlInsidePage *self,
               DlInput      *input)
{
  const NnImageSet *set;
  const guint8 *bytes;
  size_t n = input->width * input->height;

  if (input->source != DL_INPUT_DATASET || self->dataset == NULL)
    return NULL;
  set = input->is_test ? self->dataset->test : self->dataset->train;
  if (input->index >= set->n_images || set->rows * set->cols != n)
    return NULL;
  bytes = set->pixels + (size_t) input->index * n;
  for (size_t i = 0; i < n; i++)
    if (bytes[i] / 255.0f != input->pixels[i])
      return NULL;
  return g_memdup2 (bytes, n);
}

/* Lends the lane's explainer to a new job, making it first when the model changed. */
static Job *
job_new (DlInsidePage *self,
         Lane         *lane)
{
  g_autoptr(GError) error = NULL;
  Job *job;

  /* the workers never touch the session's model, which the other pages use meanwhile */
  if (lane->explainer == NULL)
    lane->explainer = nn_explainer_new (self->model, 1, &error);
  if (lane->explainer == NULL)
    {
      g_debug ("the Inside page cannot explain this model: %s", error->message);
      return NULL;
    }
  job = g_new0 (Job, 1);
  job->explainer = g_steal_pointer (&lane->explainer);
  job->input = dl_input_ref (self->input);
  job->bytes = dataset_bytes (self, self->input);
  job->klass = self->chosen;
  job->embeddings = self->embeddings != NULL ? nn_embeddings_ref (self->embeddings) : NULL;
  job->generation = self->generation;
  return job;
}

/* A finished job's explainer goes back to its lane while the model is the same. */
static void
job_return (DlInsidePage *self,
            Lane         *lane,
            Job          *job)
{
  lane->busy = FALSE;
  if (job->generation == self->generation && lane->explainer == NULL)
    lane->explainer = g_steal_pointer (&job->explainer);
}

/* The fast part's results, copied out of the explainer. */
typedef struct
{
  size_t    n_layers;
  float   **outputs;       /* (n_layers) each (c, h, w) */
  float    *probs;         /* (n_classes) */
  size_t    n_classes;
  int       predicted;
  int       klass;         /* the class the saliency is for */
  float    *saliency;      /* (H, W) */
  size_t    n_neighbours;
  NnNeighbour neighbours[K_NEAREST];
  gint64    micros;
} FastResult;

static void
fast_result_free (FastResult *r)
{
  for (size_t i = 0; i < r->n_layers; i++)
    g_free (r->outputs[i]);
  g_free (r->outputs);
  g_free (r->probs);
  g_free (r->saliency);
  g_free (r);
}

/* The fast part for one job, on whatever thread owns job's explainer. */
static FastResult *
compute_fast (Job     *job,
              GError **error)
{
  NnExplainer *ex = job->explainer;
  gint64 start = g_get_monotonic_time ();
  size_t n = job->input->width * job->input->height;
  FastResult *r;

  if (!(job->bytes != NULL ? nn_explainer_run_pixels (ex, job->bytes, n, error)
                            : nn_explainer_run (ex, job->input->pixels, n, error)))
    return NULL;
  r = g_new0 (FastResult, 1);
  r->n_layers = nn_explainer_get_n_layers (ex);
  r->outputs = g_new0 (float *, MAX (r->n_layers, (size_t) 1));
  for (size_t i = 0; i < r->n_layers; i++)
    {
      const NnExplainLayer *l = nn_explainer_get_layer (ex, i);

      r->outputs[i] = g_memdup2 (l->values, l->c * l->h * l->w * sizeof (float));
    }
  r->n_classes = nn_explainer_get_n_classes (ex);
  r->probs = g_memdup2 (nn_explainer_get_probabilities (ex), r->n_classes * sizeof (float));
  r->predicted = (int) nn_explainer_get_predicted (ex);
  r->klass = job->klass >= 0 && (size_t) job->klass < r->n_classes ? job->klass : r->predicted;
  r->saliency = g_new (float, n);
  if (!nn_explainer_saliency (ex, (size_t) r->klass, r->saliency, error))
    {
      fast_result_free (r);
      return NULL;
    }
  if (job->embeddings != NULL)
    {
      size_t dim;
      const float *query = nn_explainer_get_embedding (ex, &dim);

      if (dim == job->embeddings->dim)
        r->n_neighbours = nn_embeddings_nearest (job->embeddings, query, K_NEAREST,
                                                 r->neighbours);
    }
  r->micros = g_get_monotonic_time () - start;
  return r;
}

static void
fast_worker (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;
  FastResult *r = compute_fast (task_data, &error);

  if (r == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, r, (GDestroyNotify) fast_result_free);
}

static void start_slow (DlInsidePage *self);
static void show_occlusion_for_class (DlInsidePage *self);

static void
apply_fast (DlInsidePage *self,
            FastResult   *r)
{
  self->update_us = r->micros;
  g_debug ("Inside page: forward, saliency and nearest images in %.2f ms", r->micros / 1000.0);
  g_clear_pointer (&self->shown_input, dl_input_unref);
  self->shown_input = dl_input_ref (self->input);
  g_free (self->probs);
  self->probs = g_memdup2 (r->probs, r->n_classes * sizeof (float));
  self->predicted = r->predicted;
  self->klass = r->klass;
  show_input (self);
  update_class_buttons (self);
  for (guint k = 0; k < self->sections->len; k++)
    {
      Section *s = &g_array_index (self->sections, Section, k);

      show_section (self, s, s->shown < r->n_layers ? r->outputs[s->shown] : NULL);
    }
  show_saliency (self, r->saliency);
  show_occlusion_for_class (self);
  self->n_neighbours = r->n_neighbours;
  for (size_t i = 0; i < r->n_neighbours; i++)
    {
      self->neighbours[i] = r->neighbours[i].index;
      self->distances[i] = r->neighbours[i].distance;
    }
  update_neighbours_state (self);
}

static void start_fast (DlInsidePage *self);

static void
on_fast_done (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  g_autoptr(DlInsidePage) self = weak_page_take (user_data);
  Job *job = g_task_get_task_data (G_TASK (res));
  g_autoptr(GError) error = NULL;
  FastResult *r = g_task_propagate_pointer (G_TASK (res), &error);

  if (self == NULL)
    {
      g_clear_pointer (&r, fast_result_free);
      return;
    }
  job_return (self, &self->fast, job);
  if (r == NULL)
    g_debug ("the Inside page could not explain the input: %s", error->message);
  /* a newer request, another input or none makes this one stale: only the newest is shown */
  else if (job->generation == self->generation && !self->fast.pending &&
           job->input == self->input)
    apply_fast (self, r);
  g_clear_pointer (&r, fast_result_free);
  if (self->fast.pending)
    start_fast (self);
  else
    start_slow (self);
}

static void
start_fast (DlInsidePage *self)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  if (self->fast.busy)
    {
      self->fast.pending = TRUE;
      return;
    }
  self->fast.pending = FALSE;
  if (self->input == NULL || self->model == NULL || (job = job_new (self, &self->fast)) == NULL)
    return;
  self->fast.busy = TRUE;
  task = g_task_new (NULL, NULL, on_fast_done, weak_page_new (self));
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, fast_worker);
}

/* Every class's occlusion map at once: the model runs once per patch, then each class is a
 * subtraction. (n_classes, H, W). */
static float *
compute_occlusion (Job     *job,
                   GError **error)
{
  NnExplainer *ex = job->explainer;
  size_t plane = job->input->width * job->input->height, n_classes;
  float *maps;

  if (!(job->bytes != NULL ? nn_explainer_run_pixels (ex, job->bytes, plane, error)
                            : nn_explainer_run (ex, job->input->pixels, plane, error)) ||
      !nn_explainer_occlusion (ex, NN_EXPLAIN_OCCLUSION_PATCH, NN_EXPLAIN_OCCLUSION_STRIDE,
                               error))
    return NULL;
  n_classes = nn_explainer_get_n_classes (ex);
  maps = g_new (float, n_classes * plane);
  for (size_t k = 0; k < n_classes; k++)
    nn_explainer_get_occlusion (ex, k, maps + k * plane);
  return maps;
}

static void
slow_worker (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;
  float *maps = compute_occlusion (task_data, &error);

  if (maps == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, maps, g_free);
}

static void
show_occlusion_for_class (DlInsidePage *self)
{
  size_t plane;

  if (self->occlusion == NULL || self->occlusion_input != self->input || self->klass < 0)
    {
      show_occlusion (self, NULL);
      return;
    }
  plane = self->input->width * self->input->height;
  show_occlusion (self, self->occlusion + self->klass * plane);
}

static void
on_slow_done (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  g_autoptr(DlInsidePage) self = weak_page_take (user_data);
  Job *job = g_task_get_task_data (G_TASK (res));
  g_autoptr(GError) error = NULL;
  float *maps = g_task_propagate_pointer (G_TASK (res), &error);

  if (self == NULL)
    {
      g_free (maps);
      return;
    }
  job_return (self, &self->slow, job);
  if (maps == NULL)
    g_debug ("the Inside page could not compute the occlusion maps: %s", error->message);
  else if (job->generation == self->generation && job->input == self->input)
    {
      g_free (self->occlusion);
      self->occlusion = g_steal_pointer (&maps);
      g_clear_pointer (&self->occlusion_input, dl_input_unref);
      self->occlusion_input = dl_input_ref (job->input);
      show_occlusion_for_class (self);
    }
  g_free (maps);
  if (self->slow.pending)
    start_slow (self);
}

/* The occlusion maps take a forward pass per patch: they follow once the fast part has settled,
 * on a worker of their own, so that drawing stays live; a class chosen later needs no new run. */
static void
start_slow (DlInsidePage *self)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  if (self->slow.busy)
    {
      self->slow.pending = TRUE;
      return;
    }
  self->slow.pending = FALSE;
  if (self->input == NULL || self->model == NULL || self->fast.busy ||
      self->occlusion_input == self->input || (job = job_new (self, &self->slow)) == NULL)
    return;
  self->slow.busy = TRUE;
  task = g_task_new (NULL, NULL, on_slow_done, weak_page_new (self));
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, slow_worker);
}

/* Coalesced: however often the input changes, one job runs and the newest waits. */
static void
request_update (DlInsidePage *self)
{
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      self->dirty = TRUE;
      return;
    }
  self->dirty = FALSE;
  start_fast (self);
}

/* ---- The training images' embeddings ------------------------------------------------------- */

typedef struct
{
  NnModel      *model;          /* a copy only the worker uses */
  NnDataset    *dataset;
  guint         generation;
  GWeakRef      page;           /* for progress reports */
  GCancellable *embedding;      /* a reference */
  gint64        last;           /* µs of the last progress report */
} EmbedJob;

static void
embed_job_free (EmbedJob *job)
{
  g_weak_ref_clear (&job->page);
  g_clear_object (&job->embedding);
  g_clear_pointer (&job->model, nn_model_unref);
  g_clear_pointer (&job->dataset, nn_dataset_unref);
  g_free (job);
}

typedef struct
{
  DlInsidePage *self;           /* a reference */
  GCancellable *embedding;      /* a reference: progress of an older job is dropped */
  double        fraction;
} EmbedProgress;

static void
embed_progress_free (gpointer data)
{
  EmbedProgress *p = data;

  g_object_unref (p->self);
  g_object_unref (p->embedding);
  g_free (p);
}

static gboolean
apply_embed_progress (gpointer data)
{
  EmbedProgress *p = data;

  if (!p->self->disposed && p->self->embedding == p->embedding)
    {
      g_autofree char *text = g_strdup_printf ("%.0f%%", 100 * p->fraction);

      gtk_progress_bar_set_fraction (p->self->embedding_progress, p->fraction);
      gtk_progress_bar_set_text (p->self->embedding_progress, text);
      gtk_progress_bar_set_show_text (p->self->embedding_progress, TRUE);
    }
  return G_SOURCE_REMOVE;
}

/* On the worker, after each chunk: at most ten reports a second reach the main loop. */
static void
on_embed_progress (size_t   done,
                   size_t   total,
                   gpointer user_data)
{
  EmbedJob *job = user_data;
  gint64 now = g_get_monotonic_time ();
  DlInsidePage *self;
  EmbedProgress *p;

  if (now - job->last < G_USEC_PER_SEC / 10 && done < total)
    return;
  job->last = now;
  if ((self = g_weak_ref_get (&job->page)) == NULL)
    return;
  p = g_new0 (EmbedProgress, 1);
  p->self = self;
  p->embedding = g_object_ref (job->embedding);
  p->fraction = total > 0 ? (double) done / total : 1;
  dl_post_to_main_context (NULL, apply_embed_progress, p,
                           embed_progress_free);
}

static gboolean
embed_should_stop (gpointer user_data)
{
  EmbedJob *job = user_data;

  return g_cancellable_is_cancelled (job->embedding);
}

/* The cached embeddings when they are there (the cache is keyed by the weights and the images),
 * else every training image through the network, then cached. */
static void
embed_worker (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  EmbedJob *job = task_data;
  NnExplainHooks hooks = { on_embed_progress, embed_should_stop, job };
  GError *error = NULL;
  gboolean from_cache = FALSE;
  NnEmbeddings *embeddings;

  embeddings = nn_embeddings_load_or_compute (job->model, job->dataset->train, NULL, &hooks,
                                              &from_cache, &error);
  if (embeddings == NULL)
    g_task_return_error (task, error);
  else
    {
      g_debug ("training embeddings %s", from_cache ? "read from the cache" : "computed");
      g_task_return_pointer (task, embeddings, (GDestroyNotify) nn_embeddings_unref);
    }
}

static void
on_embedded (GObject      *source,
             GAsyncResult *res,
             gpointer      user_data)
{
  g_autoptr(DlInsidePage) self = weak_page_take (user_data);
  EmbedJob *job = g_task_get_task_data (G_TASK (res));
  g_autoptr(GError) error = NULL;
  NnEmbeddings *embeddings = g_task_propagate_pointer (G_TASK (res), &error);

  /* an older job (another model or dataset, or cancelled and restarted) is forgotten */
  if (self == NULL || job->embedding != self->embedding)
    {
      g_clear_pointer (&embeddings, nn_embeddings_unref);
      return;
    }
  g_clear_object (&self->embedding);
  g_clear_pointer (&self->embedding_error, g_free);
  if (embeddings != NULL && job->generation == self->generation && job->dataset == self->dataset)
    {
      g_clear_pointer (&self->embeddings, nn_embeddings_unref);
      self->embeddings = embeddings;
      request_update (self);
    }
  else
    {
      g_clear_pointer (&embeddings, nn_embeddings_unref);
      if (g_error_matches (error, NN_EXPLAIN_ERROR, NN_EXPLAIN_ERROR_CANCELLED))
        self->embedding_cancelled = TRUE;
      else if (error != NULL)
        /* Translators: the engine's reason follows */
        self->embedding_error = g_strdup_printf (_("The training images could not be "
                                                   "compared: %s"), error->message);
    }
  update_neighbours_state (self);
}

static void
start_embedding (DlInsidePage *self)
{
  g_autoptr(GTask) task = NULL;
  EmbedJob *job;
  g_autoptr(GError) error = NULL;
  NnModel *copy;

  if (self->embedding != NULL || self->embeddings != NULL || self->model == NULL ||
      self->dataset == NULL || !nn_model_check_dataset (self->model, self->dataset, NULL))
    return;
  /* its own copy on every core: the job runs a whole training set through it */
  copy = nn_model_copy (self->model, g_get_num_processors (), &error);
  if (copy == NULL)
    {
      g_clear_pointer (&self->embedding_error, g_free);
      self->embedding_error = g_strdup_printf (_("The training images could not be compared: "
                                                 "%s"), error->message);
      update_neighbours_state (self);
      return;
    }
  self->embedding = g_cancellable_new ();
  self->embedding_cancelled = FALSE;
  g_clear_pointer (&self->embedding_error, g_free);
  job = g_new0 (EmbedJob, 1);
  job->model = copy;
  job->dataset = nn_dataset_ref (self->dataset);
  job->generation = self->generation;
  g_weak_ref_init (&job->page, self);
  job->embedding = g_object_ref (self->embedding);
  gtk_progress_bar_set_fraction (self->embedding_progress, 0);
  gtk_progress_bar_set_show_text (self->embedding_progress, FALSE);
  task = g_task_new (NULL, NULL, on_embedded, weak_page_new (self));
  g_task_set_task_data (task, job, (GDestroyNotify) embed_job_free);
  g_task_run_in_thread (task, embed_worker);
  update_neighbours_state (self);
}

static void
stop_embedding (DlInsidePage *self)
{
  if (self->embedding != NULL)
    g_cancellable_cancel (self->embedding);
  g_clear_object (&self->embedding);
}

static void
compute_embeddings_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  start_embedding (DL_INSIDE_PAGE (widget));
}

static void
cancel_embeddings_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  DlInsidePage *self = DL_INSIDE_PAGE (widget);

  if (self->embedding == NULL)
    return;
  stop_embedding (self);
  self->embedding_cancelled = TRUE;
  update_neighbours_state (self);
}

/* ---- The first filters of a run in progress ------------------------------------------------ */

static void
show_training_filters (DlInsidePage            *self,
                       const DlTrainingFilters *filters)
{
  float lo, hi;
  g_autofree char *text = NULL;
  size_t n;

  gtk_widget_set_visible (self->training_box, filters != NULL);
  if (filters == NULL)
    {
      dl_tile_grid_set_tiles (self->training_filters, NULL, 0, 0, 0);
      return;
    }
  n = filters->out_c * filters->in_c;
  min_max (filters->weights, n * filters->kernel * filters->kernel, &lo, &hi);
  dl_tile_grid_set_tiles (self->training_filters, filters->weights, n, filters->kernel,
                          filters->kernel);
  dl_tile_grid_set_color_map (self->training_filters, DL_COLOR_MAP_DIVERGING, lo, hi);
  dl_tile_grid_set_legend (self->training_filters, _("Weight"));
  dl_tile_grid_set_columns (self->training_filters, filters->in_c > 1 ? (guint) filters->in_c
                                                                      : 0);
  dl_tile_grid_set_tile_size (self->training_filters, filters->in_c > 1 ? 14 : 28,
                              filters->in_c > 1 ? 14 : 40);
  /* Translators: the run in progress: epoch and optimiser step of the filters shown */
  text = g_strdup_printf (_("The run in progress, epoch %u, step %llu: they change every %u "
                            "batches."),
                          filters->epoch, (unsigned long long) filters->step,
                          DL_TRAINING_FILTERS_EVERY);
  gtk_label_set_label (self->training_label, text);
  {
    g_autofree char *description = g_strdup_printf (_("%zu filters of %zu × %zu at step %llu; "
                                                       "weights from %.3g to %.3g"),
                                                    n, filters->kernel, filters->kernel,
                                                    (unsigned long long) filters->step, lo, hi);

    describe (self->training_filters, description);
  }
}

/* The run's newest filters, shown when the page is: a new text in the label and a grid shown or
 * hidden lay the whole window out again, which a page nobody sees need not pay for while the
 * run takes every core. */
static void
follow_training_filters (DlInsidePage *self)
{
  self->filters_due = !gtk_widget_get_mapped (GTK_WIDGET (self));
  if (!self->filters_due)
    show_training_filters (self,
                           dl_training_get_filters (dl_session_get_training (self->session)));
}

static void
on_training_filters (DlTraining              *training,
                     const DlTrainingFilters *filters,
                     DlInsidePage            *self)
{
  follow_training_filters (self);
}

static void
on_training_running (DlInsidePage *self)
{
  follow_training_filters (self);
}

/* ---- Following the session ----------------------------------------------------------------- */

static void
reset_results (DlInsidePage *self)
{
  g_clear_pointer (&self->shown_input, dl_input_unref);
  g_clear_pointer (&self->probs, g_free);
  self->predicted = -1;
  self->klass = -1;
  self->n_neighbours = 0;
  for (guint k = 0; k < self->sections->len; k++)
    show_section (self, &g_array_index (self->sections, Section, k), NULL);
  show_saliency (self, NULL);
  show_occlusion (self, NULL);
  show_input (self);
  update_class_buttons (self);
}

static void
on_session_input (DlInsidePage *self)
{
  DlInput *input = dl_session_get_input (self->session);
  DlInput *old = self->input;

  if (input == old)
    return;
  /* a class chosen for one picture is kept while it is being drawn, not for the next picture */
  if (old == NULL || input == NULL || input->source != old->source ||
      input->source != DL_INPUT_DRAWING)
    self->chosen = -1;
  self->input = input != NULL ? dl_input_ref (input) : NULL;
  g_clear_pointer (&old, dl_input_unref);
  if (input == NULL || self->model == NULL)
    reset_results (self);
  else
    {
      show_input (self);
      request_update (self);
    }
}

static void
set_model (DlInsidePage *self,
           NnModel      *model)
{
  g_autoptr(GError) unfit = NULL;

  self->generation++;
  g_clear_pointer (&self->fast.explainer, nn_explainer_free);
  g_clear_pointer (&self->slow.explainer, nn_explainer_free);
  g_clear_pointer (&self->occlusion, g_free);
  g_clear_pointer (&self->occlusion_input, dl_input_unref);
  stop_embedding (self);
  g_clear_pointer (&self->embeddings, nn_embeddings_unref);
  g_clear_pointer (&self->embedding_error, g_free);
  self->embedding_cancelled = FALSE;
  self->chosen = -1;

  if (model != NULL && !nn_model_check_input (model, 1, NN_PREPROCESS_SIZE, NN_PREPROCESS_SIZE,
                                              &unfit))
    {
      /* Translators: the Inside page with a model that takes other images; the engine's reason */
      g_autofree char *text = g_strdup_printf (_("It takes other images than drawings and the "
                                                 "digits of the dataset: %s"), unfit->message);

      adw_status_page_set_description (self->unfit_page, text);
      model = NULL;
      gtk_stack_set_visible_child_name (self->stack, "unfit");
    }
  else
    gtk_stack_set_visible_child_name (self->stack, model != NULL ? "content" : "no-model");
  self->model = model;
  build_sections (self);
  build_class_buttons (self);
  reset_results (self);
  update_neighbours_state (self);
  if (self->model != NULL && gtk_widget_get_mapped (GTK_WIDGET (self)))
    start_embedding (self);
  request_update (self);
}

static void
on_session_model (DlInsidePage *self)
{
  set_model (self, dl_session_get_model (self->session));
}

static void
on_session_dataset (DlInsidePage *self)
{
  NnDataset *dataset = dl_session_get_dataset (self->session);

  if (dataset == self->dataset)
    return;
  stop_embedding (self);
  g_clear_pointer (&self->embeddings, nn_embeddings_unref);
  g_clear_pointer (&self->embedding_error, g_free);
  self->embedding_cancelled = FALSE;
  self->dataset = dataset;
  self->n_neighbours = 0;
  update_neighbours_state (self);
  show_input (self);
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    start_embedding (self);
  request_update (self);
}

static void
dl_inside_page_follow_session (DlInsidePage *self,
                               DlSession    *old_session)
{
  DlSession *session = self->session;
  DlTraining *training;

  if (old_session != NULL)
    g_signal_handlers_disconnect_by_data (dl_session_get_training (old_session), self);
  if (session == NULL)
    return;
  training = dl_session_get_training (session);
  g_signal_connect_swapped (session, "notify::model", G_CALLBACK (on_session_model), self);
  g_signal_connect_swapped (session, "notify::dataset", G_CALLBACK (on_session_dataset), self);
  g_signal_connect_swapped (session, "notify::input", G_CALLBACK (on_session_input), self);
  g_signal_connect (training, "filters", G_CALLBACK (on_training_filters), self);
  g_signal_connect_swapped (training, "notify::running", G_CALLBACK (on_training_running),
                            self);
  self->dataset = dl_session_get_dataset (session);
  on_session_model (self);
  on_session_input (self);
  on_training_running (self);
}

/* Nothing is computed for a page nobody sees; it catches up when shown. */
static void
dl_inside_page_map (GtkWidget *widget)
{
  DlInsidePage *self = DL_INSIDE_PAGE (widget);

  GTK_WIDGET_CLASS (dl_inside_page_parent_class)->map (widget);
  if (self->filters_due && self->session != NULL)
    follow_training_filters (self);
  if (self->dirty)
    request_update (self);
  if (self->model != NULL && !self->embedding_cancelled && self->embedding_error == NULL)
    start_embedding (self);
}

/* ---- Public -------------------------------------------------------------------------------- */

guint
dl_inside_page_get_n_sections (DlInsidePage *self)
{
  g_return_val_if_fail (DL_IS_INSIDE_PAGE (self), 0);
  return self->sections->len;
}

static Section *
get_section (DlInsidePage *self,
             guint         section)
{
  g_return_val_if_fail (DL_IS_INSIDE_PAGE (self), NULL);
  g_return_val_if_fail (section < self->sections->len, NULL);
  return &g_array_index (self->sections, Section, section);
}

size_t
dl_inside_page_get_section_layer (DlInsidePage *self,
                                  guint         section,
                                  size_t       *C,
                                  size_t       *H,
                                  size_t       *W)
{
  Section *s = get_section (self, section);

  g_return_val_if_fail (s != NULL, 0);
  if (C != NULL)
    *C = s->C;
  if (H != NULL)
    *H = s->H;
  if (W != NULL)
    *W = s->W;
  return s->shown;
}

const float *
dl_inside_page_get_section_values (DlInsidePage *self,
                                   guint         section)
{
  Section *s = get_section (self, section);

  return s != NULL ? s->values : NULL;
}

GtkWidget *
dl_inside_page_get_section_view (DlInsidePage *self,
                                 guint         section)
{
  Section *s = get_section (self, section);

  if (s == NULL)
    return NULL;
  return s->maps != NULL ? GTK_WIDGET (s->maps) : GTK_WIDGET (s->bars);
}

GtkWidget *
dl_inside_page_get_section_filters (DlInsidePage *self,
                                    guint         section)
{
  Section *s = get_section (self, section);

  return s != NULL && s->filters != NULL ? GTK_WIDGET (s->filters) : NULL;
}

void
dl_inside_page_enlarge (DlInsidePage *self,
                        guint         section,
                        guint         channel)
{
  Section *s = get_section (self, section);

  g_return_if_fail (s != NULL && s->maps != NULL);
  g_signal_emit_by_name (s->maps, "tile-activated", channel);
}

GtkWidget *
dl_inside_page_get_enlarged_view (DlInsidePage *self,
                                  guint         section)
{
  Section *s = get_section (self, section);

  return s != NULL && s->large != NULL && gtk_revealer_get_reveal_child (s->revealer)
           ? GTK_WIDGET (s->large) : NULL;
}

int
dl_inside_page_get_class (DlInsidePage *self)
{
  g_return_val_if_fail (DL_IS_INSIDE_PAGE (self), -1);
  return self->klass;
}

void
dl_inside_page_choose_class (DlInsidePage *self,
                             int           klass)
{
  g_return_if_fail (DL_IS_INSIDE_PAGE (self));

  if (self->model == NULL || klass >= (int) self->model->n_classes)
    klass = -1;
  self->chosen = klass;
  request_update (self);
}

int
dl_inside_page_get_prediction (DlInsidePage *self)
{
  g_return_val_if_fail (DL_IS_INSIDE_PAGE (self), -1);
  return self->predicted;
}

GtkWidget *
dl_inside_page_get_saliency_view (DlInsidePage *self)
{
  g_return_val_if_fail (DL_IS_INSIDE_PAGE (self), NULL);
  return GTK_WIDGET (self->saliency_view);
}

GtkWidget *
dl_inside_page_get_occlusion_view (DlInsidePage *self)
{
  g_return_val_if_fail (DL_IS_INSIDE_PAGE (self), NULL);
  return GTK_WIDGET (self->occlusion_view);
}

GtkWidget *
dl_inside_page_get_neighbours_view (DlInsidePage *self)
{
  g_return_val_if_fail (DL_IS_INSIDE_PAGE (self), NULL);
  return GTK_WIDGET (self->neighbours_view);
}

size_t
dl_inside_page_get_neighbours (DlInsidePage  *self,
                               const guint  **indices,
                               const float  **distances)
{
  g_return_val_if_fail (DL_IS_INSIDE_PAGE (self), 0);

  if (indices != NULL)
    *indices = self->neighbours;
  if (distances != NULL)
    *distances = self->distances;
  return self->embeddings != NULL ? self->n_neighbours : 0;
}

gboolean
dl_inside_page_get_embedding (DlInsidePage *self)
{
  g_return_val_if_fail (DL_IS_INSIDE_PAGE (self), FALSE);
  return self->embedding != NULL;
}

gboolean
dl_inside_page_has_embeddings (DlInsidePage *self)
{
  g_return_val_if_fail (DL_IS_INSIDE_PAGE (self), FALSE);
  return self->embeddings != NULL;
}

gboolean
dl_inside_page_is_idle (DlInsidePage *self)
{
  g_return_val_if_fail (DL_IS_INSIDE_PAGE (self), TRUE);
  return !self->fast.busy && !self->fast.pending && !self->slow.busy && !self->slow.pending &&
         !self->dirty;
}

const char *
dl_inside_page_get_view (DlInsidePage *self)
{
  g_return_val_if_fail (DL_IS_INSIDE_PAGE (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

const char *
dl_inside_page_get_unfit (DlInsidePage *self)
{
  g_return_val_if_fail (DL_IS_INSIDE_PAGE (self), NULL);
  return g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "unfit") == 0
           ? adw_status_page_get_description (self->unfit_page) : NULL;
}

GtkWidget *
dl_inside_page_get_training_filters (DlInsidePage *self)
{
  g_return_val_if_fail (DL_IS_INSIDE_PAGE (self), NULL);
  return gtk_widget_get_visible (self->training_box) ? GTK_WIDGET (self->training_filters)
                                                     : NULL;
}

gint64
dl_inside_page_get_update_time (DlInsidePage *self)
{
  g_return_val_if_fail (DL_IS_INSIDE_PAGE (self), 0);
  return self->update_us;
}

/* ---- GObject and DlPage -------------------------------------------------------------------- */

static void
dl_inside_page_dispose (GObject *object)
{
  DlInsidePage *self = DL_INSIDE_PAGE (object);

  self->disposed = TRUE;
  dl_page_set_session (DL_PAGE (self), NULL);
  stop_embedding (self);
  G_OBJECT_CLASS (dl_inside_page_parent_class)->dispose (object);
}

static void
dl_inside_page_finalize (GObject *object)
{
  DlInsidePage *self = DL_INSIDE_PAGE (object);

  g_array_unref (self->sections);
  g_ptr_array_unref (self->class_buttons);
  g_clear_pointer (&self->input, dl_input_unref);
  g_clear_pointer (&self->fast.explainer, nn_explainer_free);
  g_clear_pointer (&self->slow.explainer, nn_explainer_free);
  g_clear_pointer (&self->embeddings, nn_embeddings_unref);
  g_clear_pointer (&self->occlusion_input, dl_input_unref);
  g_clear_pointer (&self->shown_input, dl_input_unref);
  g_free (self->occlusion);
  g_free (self->embedding_error);
  g_free (self->probs);
  G_OBJECT_CLASS (dl_inside_page_parent_class)->finalize (object);
}

/* ---- The page's own drawing ----------------------------------------------------------------- */

static void
update_drawing_actions (DlInsidePage *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "inside.undo-stroke",
                                 dl_canvas_can_undo (self->canvas));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "inside.clear-drawing",
                                 !dl_canvas_is_empty (self->canvas));
}

/* The drawing becomes the session's input, as the Draw page's does, and the input's update
 * brings the maps (request_update coalesces strokes that come faster than the workers); an
 * empty canvas takes a drawing away, but not an image chosen elsewhere since. */
static void
on_canvas_changed (DlInsidePage *self)
{
  float image[NN_PREPROCESS_SIZE * NN_PREPROCESS_SIZE];
  DlInput *current;

  update_drawing_actions (self);
  if (self->session == NULL)
    return;
  current = dl_session_get_input (self->session);
  if (dl_canvas_render_digit (self->canvas, image))
    {
      g_autoptr(DlInput) input = dl_input_new (DL_INPUT_DRAWING, image, NN_PREPROCESS_SIZE,
                                               NN_PREPROCESS_SIZE);

      dl_session_set_input (self->session, input);
    }
  else if (current != NULL && current->source == DL_INPUT_DRAWING)
    dl_session_set_input (self->session, NULL);
}

static void
undo_stroke_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  dl_canvas_undo (DL_INSIDE_PAGE (widget)->canvas);
}

static void
clear_drawing_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  dl_canvas_clear (DL_INSIDE_PAGE (widget)->canvas);
}

GtkWidget *
dl_inside_page_get_canvas (DlInsidePage *self)
{
  g_return_val_if_fail (DL_IS_INSIDE_PAGE (self), NULL);
  return GTK_WIDGET (self->canvas);
}

static void
dl_inside_page_class_init (DlInsidePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dl_inside_page_dispose;
  object_class->finalize = dl_inside_page_finalize;
  widget_class->map = dl_inside_page_map;
  dl_page_class_install_session (object_class, PROP_SESSION,
                                 G_STRUCT_OFFSET (DlInsidePage, session),
                                 (DlPageFollowFunc) dl_inside_page_follow_session);
  g_type_ensure (DL_TYPE_TILE_GRID);
  g_type_ensure (DL_TYPE_CANVAS);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/digitlab/DigitLab/dl-inside-page.ui");
  gtk_widget_class_bind_template_child (widget_class, DlInsidePage, stack);
  gtk_widget_class_bind_template_child (widget_class, DlInsidePage, unfit_page);
  gtk_widget_class_bind_template_child (widget_class, DlInsidePage, input_view);
  gtk_widget_class_bind_template_child (widget_class, DlInsidePage, input_title);
  gtk_widget_class_bind_template_child (widget_class, DlInsidePage, prediction_label);
  gtk_widget_class_bind_template_child (widget_class, DlInsidePage, input_hint);
  gtk_widget_class_bind_template_child (widget_class, DlInsidePage, canvas);
  gtk_widget_class_bind_template_callback (widget_class, on_canvas_changed);
  gtk_widget_class_bind_template_child (widget_class, DlInsidePage, training_box);
  gtk_widget_class_bind_template_child (widget_class, DlInsidePage, training_label);
  gtk_widget_class_bind_template_child (widget_class, DlInsidePage, training_filters);
  gtk_widget_class_bind_template_child (widget_class, DlInsidePage, why_box);
  gtk_widget_class_bind_template_child (widget_class, DlInsidePage, class_box);
  gtk_widget_class_bind_template_child (widget_class, DlInsidePage, saliency_title);
  gtk_widget_class_bind_template_child (widget_class, DlInsidePage, saliency_view);
  gtk_widget_class_bind_template_child (widget_class, DlInsidePage, occlusion_title);
  gtk_widget_class_bind_template_child (widget_class, DlInsidePage, occlusion_view);
  gtk_widget_class_bind_template_child (widget_class, DlInsidePage, neighbours_label);
  gtk_widget_class_bind_template_child (widget_class, DlInsidePage, embedding_box);
  gtk_widget_class_bind_template_child (widget_class, DlInsidePage, embedding_progress);
  gtk_widget_class_bind_template_child (widget_class, DlInsidePage, embed_button);
  gtk_widget_class_bind_template_child (widget_class, DlInsidePage, neighbours_view);
  gtk_widget_class_bind_template_child (widget_class, DlInsidePage, layers_box);

  gtk_widget_class_install_action (widget_class, "inside.undo-stroke", NULL, undo_stroke_action);
  gtk_widget_class_install_action (widget_class, "inside.clear-drawing", NULL,
                                   clear_drawing_action);
  gtk_widget_class_install_action (widget_class, "inside.compute-embeddings", NULL,
                                   compute_embeddings_action);
  gtk_widget_class_install_action (widget_class, "inside.cancel-embeddings", NULL,
                                   cancel_embeddings_action);
}

static void
dl_inside_page_init (DlInsidePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->sections = g_array_new (FALSE, TRUE, sizeof (Section));
  g_array_set_clear_func (self->sections, section_clear);
  self->class_buttons = g_ptr_array_new ();
  self->chosen = -1;
  self->klass = -1;
  self->predicted = -1;

  dl_tile_grid_set_tile_size (self->input_view, 84, 84);
  dl_canvas_set_size (self->canvas, 160);
  update_drawing_actions (self);
  dl_tile_grid_set_tile_size (self->neighbours_view, 56, 84);
  dl_tile_grid_set_activatable (self->neighbours_view, TRUE);
  g_signal_connect (self->neighbours_view, "tile-activated", G_CALLBACK (on_neighbour_activated),
                    self);
  describe (self->training_filters, _("No run in progress"));
  describe (self->saliency_view, _("No input yet"));
  describe (self->occlusion_view, _("No input yet"));
  describe (self->neighbours_view, _("None yet"));
  reset_results (self);
  update_neighbours_state (self);
}

/* Export Figure asks now: what the workers have not delivered yet for the current input and
 * class is computed here, on a copy of the model of its own (tens of milliseconds for the
 * reference network, occlusion included), so the figures written are of what is asked. */
static void
ensure_current (DlInsidePage *self)
{
  Job job = { 0 };
  g_autoptr(GError) error = NULL;
  gboolean fast, slow;

  if (self->model == NULL || self->input == NULL)
    return;
  fast = self->shown_input != self->input || self->fast.busy || self->fast.pending ||
         self->dirty || (self->chosen >= 0 && self->chosen != self->klass);
  slow = self->occlusion_input != self->input;
  if (!fast && !slow)
    return;
  job.explainer = nn_explainer_new (self->model, 1, &error);
  if (job.explainer == NULL)
    {
      g_debug ("the Inside page cannot explain this model: %s", error->message);
      return;
    }
  job.input = dl_input_ref (self->input);
  job.bytes = dataset_bytes (self, self->input);
  job.klass = self->chosen;
  job.embeddings = self->embeddings != NULL ? nn_embeddings_ref (self->embeddings) : NULL;
  job.generation = self->generation;
  if (fast)
    {
      FastResult *r = compute_fast (&job, &error);

      if (r != NULL)
        {
          apply_fast (self, r);
          fast_result_free (r);
        }
      g_clear_error (&error);
    }
  if (slow)
    {
      float *maps = compute_occlusion (&job, &error);

      if (maps != NULL)
        {
          g_free (self->occlusion);
          self->occlusion = maps;
          g_clear_pointer (&self->occlusion_input, dl_input_unref);
          self->occlusion_input = dl_input_ref (self->input);
          show_occlusion_for_class (self);
        }
    }
  g_clear_pointer (&job.explainer, nn_explainer_free);
  g_clear_pointer (&job.input, dl_input_unref);
  g_clear_pointer (&job.embeddings, nn_embeddings_unref);
  g_free (job.bytes);
}

/* Adds a figure, marked as one that cannot be exported while it has nothing to show. */
static void
add_figure (DlInsidePage *self,
            GPtrArray    *figures,
            const char   *id,
            const char   *name,
            gpointer      figure)
{
  DlPageFigure *item = dl_page_add_figure (figures, id, name, figure);

  if (dl_figure_has_data (DL_FIGURE (figure)))
    return;
  if (figure == (gpointer) self->neighbours_view && self->input != NULL && self->model != NULL)
    dl_page_figure_set_unavailable (item, gtk_label_get_label (self->neighbours_label));
  else if (self->model == NULL)
    dl_page_figure_set_unavailable (item, _("There is no model to look inside. Open or train "
                                            "one first."));
  else if (self->input == NULL)
    dl_page_figure_set_unavailable (item, _("There is no input yet. Draw a digit, open a "
                                            "picture or select a dataset image first."));
  else
    dl_page_figure_set_unavailable (item, _("This view has nothing to show yet."));
}

static void
dl_inside_page_list_figures (DlPage    *page,
                             GPtrArray *figures)
{
  DlInsidePage *self = DL_INSIDE_PAGE (page);

  ensure_current (self);
  add_figure (self, figures, "saliency", _("Saliency"), self->saliency_view);
  add_figure (self, figures, "occlusion", _("Occlusion"), self->occlusion_view);
  add_figure (self, figures, "input", _("Input"), self->input_view);
  add_figure (self, figures, "nearest", _("Nearest training images"), self->neighbours_view);
  if (gtk_widget_get_visible (self->training_box))
    add_figure (self, figures, "training-filters", _("Filters learning now"),
                self->training_filters);
  for (guint k = 0; k < self->sections->len; k++)
    {
      Section *s = &g_array_index (self->sections, Section, k);

      if (s->filters != NULL)
        {
          g_autofree char *id = g_strdup_printf ("layer-%zu-filters", s->first + 1);
          /* Translators: a figure's name in Export Figure */
          g_autofree char *name = g_strdup_printf (_("Layer %zu filters"), s->first + 1);

          add_figure (self, figures, id, name, s->filters);
        }
      {
        g_autofree char *id = g_strdup_printf (s->maps != NULL ? "layer-%zu-maps"
                                                               : "layer-%zu-outputs",
                                               s->shown + 1);
        /* Translators: a figure's name in Export Figure */
        g_autofree char *name = g_strdup_printf (s->maps != NULL ? _("Layer %zu activation maps")
                                                                 : _("Layer %zu outputs"),
                                                 s->shown + 1);

        add_figure (self, figures, id, name, dl_inside_page_get_section_view (self, k));
      }
      if (s->large != NULL && s->enlarged >= 0)
        {
          g_autofree char *id = g_strdup_printf ("layer-%zu-map", s->shown + 1);
          /* Translators: a figure's name in Export Figure: layer, channel */
          g_autofree char *name = g_strdup_printf (_("Layer %zu, channel %d"), s->shown + 1,
                                                   s->enlarged + 1);

          add_figure (self, figures, id, name, s->large);
        }
    }
}

static void
dl_inside_page_page_iface_init (DlPageInterface *iface)
{
  iface->name = "inside";
  iface->title = N_("_Inside");
  iface->icon_name = "view-reveal-symbolic";
  iface->list_figures = dl_inside_page_list_figures;
}
