/* dl-confusion-matrix.c: a square grid, colour by row share, counts or row shares in each cell,
 * axis titles and a colour legend */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dl-confusion-matrix.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "dl-figure.h"
#include "dl-format.h"

/* mistakes reach full red at this share of their true class */
#define MISTAKE_FULL 0.125
/* space between texts and the grid */
#define GAP 6
/* the most confused pairs the summary names */
#define N_CONFUSED 3

struct _DlConfusionMatrix
{
  GtkWidget  parent_instance;

  size_t     n;
  guint32   *counts;      /* (n, n) row = true, column = predicted */
  char     **names;
  int        selected_row, selected_col;
  gboolean   percent;     /* cells show their share of the true class, not counts */
  char      *summary;
};

static void dl_confusion_matrix_figure_init (DlFigureInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DlConfusionMatrix, dl_confusion_matrix, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (DL_TYPE_FIGURE, dl_confusion_matrix_figure_init))

enum
{
  CELL_ACTIVATED,
  N_SIGNALS
};

enum
{
  PROP_0,
  PROP_PERCENT,
  N_PROPS
};

static guint signals[N_SIGNALS];
static GParamSpec *properties[N_PROPS];

static guint64
row_total (DlConfusionMatrix *self,
           size_t             row)
{
  guint64 total = 0;

  for (size_t j = 0; j < self->n; j++)
    total += self->counts[row * self->n + j];
  return total;
}

/* The text of a cell: its count, or its share of the true class; empty for an empty cell. */
char *
dl_confusion_matrix_dup_cell_text (DlConfusionMatrix *self,
                                   int                row,
                                   int                col)
{
  guint32 c;
  guint64 total;

  g_return_val_if_fail (DL_IS_CONFUSION_MATRIX (self), NULL);
  if (row < 0 || col < 0 || (size_t) row >= self->n || (size_t) col >= self->n)
    return NULL;
  c = self->counts[row * self->n + col];
  if (c == 0)
    return g_strdup ("");
  if (!self->percent)
    return dl_format_count (c);
  total = row_total (self, row);
  return dl_format_percent ((double) c / total, 1);
}

gboolean
dl_confusion_matrix_get_percent (DlConfusionMatrix *self)
{
  g_return_val_if_fail (DL_IS_CONFUSION_MATRIX (self), FALSE);
  return self->percent;
}

void
dl_confusion_matrix_set_percent (DlConfusionMatrix *self,
                                 gboolean           percent)
{
  g_return_if_fail (DL_IS_CONFUSION_MATRIX (self));
  percent = !!percent;
  if (self->percent == percent)
    return;
  self->percent = percent;
  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PERCENT]);
}

static char *
describe_cell (DlConfusionMatrix *self,
               size_t             row,
               size_t             col)
{
  guint32 c = self->counts[row * self->n + col];
  guint64 total = row_total (self, row);
  g_autofree char *count = dl_format_count (c);
  g_autofree char *share = dl_format_percent (total > 0 ? (double) c / total : 0, 1);

  /* Translators: one cell of the confusion matrix: true class, predicted class, the number of
   * images, and their share of all images of the true class */
  return g_strdup_printf (ngettext ("%s predicted as %s, %s image (%s)",
                                    "%s predicted as %s, %s images (%s)", c),
                          self->names[row], self->names[col], count, share);
}

/* For screen readers, whenever the counts or the selection change (never while drawing). */
static void
update_summary (DlConfusionMatrix *self)
{
  g_autoptr(GString) text = g_string_new (NULL);
  size_t top[N_CONFUSED];
  size_t n_top = 0;
  guint64 total = 0, right = 0;

  if (self->n == 0)
    g_string_assign (text, _("No evaluation yet"));
  else
    {
      for (size_t i = 0; i < self->n; i++)
        for (size_t j = 0; j < self->n; j++)
          {
            guint32 c = self->counts[i * self->n + j];
            size_t k;

            total += c;
            if (i == j)
              {
                right += c;
                continue;
              }
            if (c == 0)
              continue;
            /* insertion into the few largest so far, first found first among equals */
            for (k = n_top; k > 0 && self->counts[top[k - 1]] < c; k--)
              if (k < N_CONFUSED)
                top[k] = top[k - 1];
            if (k < N_CONFUSED)
              {
                top[k] = i * self->n + j;
                n_top = MIN (n_top + 1, N_CONFUSED);
              }
          }
      g_autofree char *right_text = dl_format_count (right);
      g_autofree char *total_text = dl_format_count (total);

      /* Translators: the confusion matrix for screen readers; right answers out of all */
      g_string_printf (text, _("Rows are true classes, columns predictions. %s of %s images "
                               "recognised."), right_text, total_text);
      if (n_top == 0)
        g_string_append_printf (text, " %s", _("No mistakes."));
      else
        {
          g_string_append_printf (text, " %s", _("Most confused:"));
          for (size_t k = 0; k < n_top; k++)
            {
              g_autofree char *cell = describe_cell (self, top[k] / self->n, top[k] % self->n);

              g_string_append_printf (text, k == 0 ? " %s" : "; %s", cell);
            }
          g_string_append_c (text, '.');
        }
      if (self->selected_row >= 0)
        {
          g_autofree char *cell = describe_cell (self, self->selected_row, self->selected_col);

          /* Translators: the cell chosen with a click or the arrow keys */
          g_string_append_printf (text, " %s", _("Selected:"));
          g_string_append_printf (text, " %s.", cell);
        }
    }
  g_free (self->summary);
  self->summary = g_string_free (g_steal_pointer (&text), FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  self->summary, -1);
}

const char *
dl_confusion_matrix_get_summary (DlConfusionMatrix *self)
{
  g_return_val_if_fail (DL_IS_CONFUSION_MATRIX (self), NULL);
  return self->summary;
}

void
dl_confusion_matrix_set_evaluation (DlConfusionMatrix  *self,
                                    const NnEvaluation *ev,
                                    const char *const  *names)
{
  g_return_if_fail (DL_IS_CONFUSION_MATRIX (self));

  g_clear_pointer (&self->counts, g_free);
  g_clear_pointer (&self->names, g_strfreev);
  self->n = 0;
  self->selected_row = self->selected_col = -1;
  if (ev != NULL)
    {
      self->n = ev->n_classes;
      self->counts = g_memdup2 (ev->confusion, sizeof (guint32) * self->n * self->n);
      self->names = g_strdupv ((char **) names);
    }
  update_summary (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
dl_confusion_matrix_activate_cell (DlConfusionMatrix *self,
                                   int                row,
                                   int                col)
{
  g_return_if_fail (DL_IS_CONFUSION_MATRIX (self));

  if (row < 0 || col < 0 || (size_t) row >= self->n || (size_t) col >= self->n)
    return;
  self->selected_row = row;
  self->selected_col = col;
  update_summary (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[CELL_ACTIVATED], 0, row, col);
}

/* Where everything goes in a w × h area, from the sizes of the texts. */
typedef struct
{
  double x0, y0, cell;      /* the grid's top left corner and one cell's side */
  double title_h;           /* the axis titles' line height */
  double name_w, name_h;    /* the widest class name and a line's height */
  gboolean names;           /* the class names and axis titles are drawn */
  gboolean legend_stacked;  /* the legend's two entries one above the other */
  DlConfusionMatrixLayout boxes;
} Geometry;

#define LEGEND_BAR 10

static void
measure_text (PangoLayout *layout,
              const char  *text,
              int         *w,
              int         *h)
{
  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, w, h);
}

/* The legend's two captions: side by side each has half the grid's width. */
static const char *
legend_caption (gboolean mistakes)
{
  /* Translators: the legend's red ramp (cells off the diagonal) and blue ramp (the diagonal),
   * each cell's share of the images of its true class */
  return mistakes ? _("Mistakes, share of the class") : _("Right, share of the class");
}

/* The texts at the two ends of a legend entry's bar. */
static void
legend_ends (gboolean   mistakes,
             char     **from,
             char     **to)
{
  *from = dl_format_percent (0, 0);
  if (mistakes)
    {
      g_autofree char *full = dl_format_percent (MISTAKE_FULL, 1);

      *to = g_strdup_printf ("≥ %s", full);
    }
  else
    *to = dl_format_percent (1, 0);
}

/* The legend's arrangements, tried in order until one fits: side by side, one above the other,
 * none (a figure too small for it keeps the grid and its titles rather than overlap them). */
enum { LEGEND_SIDE_BY_SIDE, LEGEND_STACKED, LEGEND_NONE, N_LEGEND_ARRANGEMENTS };

/* Lays out a w × h area; h <= 0 measures: the grid as wide as w allows and the height it takes
 * in boxes.height. Every box lies inside the area and none overlaps another. */
static void
geometry (DlConfusionMatrix *self,
          PangoLayout       *layout,
          double             w,
          double             h,
          Geometry          *g)
{
  int tw, th, title_h = 0, predicted_w, true_w, entry_w = 0;
  double entry_h;
  DlConfusionMatrixLayout *b = &g->boxes;

  memset (g, 0, sizeof *g);
  measure_text (layout, _("Predicted class"), &predicted_w, &title_h);
  measure_text (layout, _("True class"), &true_w, &th);
  title_h = MAX (title_h, th);
  g->title_h = title_h;
  for (size_t k = 0; k < self->n; k++)
    {
      measure_text (layout, self->names[k], &tw, &th);
      g->name_w = MAX (g->name_w, tw);
      g->name_h = MAX (g->name_h, th);
    }
  if (self->n == 0 || w <= 0)
    return;
  /* an entry: its caption over a row of "0 %", the bar and its full end */
  for (int k = 0; k < 2; k++)
    {
      g_autofree char *from = NULL, *to = NULL;
      int cw, fw, ew;

      legend_ends (k, &from, &to);
      measure_text (layout, legend_caption (k), &cw, &th);
      measure_text (layout, from, &fw, &th);
      measure_text (layout, to, &ew, &th);
      entry_w = MAX (entry_w, MAX (cw, fw + 4 + 8 + 4 + ew));
    }
  entry_h = g->name_h + 2 + g->name_h;

  for (int names = 1; names >= 0; names--)
    for (int arrangement = 0; arrangement < N_LEGEND_ARRANGEMENTS; arrangement++)
      {
        double left = names ? title_h + GAP + g->name_w + GAP : 0;
        double top = names ? title_h + GAP + g->name_h + GAP : 0;
        double legend_h = arrangement == LEGEND_SIDE_BY_SIDE ? GAP * 2 + entry_h
                          : arrangement == LEGEND_STACKED ? GAP * 3 + entry_h * 2 : 0;
        double size, width;

        if (!names && arrangement != LEGEND_NONE)
          continue;
        size = w - left - GAP;
        if (h > 0)
          size = MIN (size, h - top - legend_h);
        g->cell = floor (MAX (size, 0) / self->n);
        size = g->cell * self->n;
        /* the titles within the grid's sides; side by side each legend entry has half of them,
         * one above the other the band under the grid, as wide as the area, is theirs */
        width = arrangement == LEGEND_SIDE_BY_SIDE ? (size - 2 * GAP) / 2
                : MIN (MAX (size, entry_w), w);
        if (g->cell < 1 ||
            (names && (size < predicted_w || size < true_w || g->cell < 4)) ||
            (arrangement != LEGEND_NONE && width < entry_w))
          continue;

        g->names = names;
        g->legend_stacked = arrangement == LEGEND_STACKED;
        g->x0 = floor ((w - left - size) / 2 + left);
        g->y0 = top;
        b->grid = GRAPHENE_RECT_INIT (g->x0, g->y0, size, size);
        b->height = top + size + legend_h;
        if (names)
          {
            b->predicted_title = GRAPHENE_RECT_INIT (g->x0 + (size - predicted_w) / 2,
                                                     GAP * 1.5 - 2, predicted_w, title_h);
            b->column_names = GRAPHENE_RECT_INIT (g->x0, g->y0 - g->name_h - GAP / 2.0,
                                                  size, g->name_h);
            b->true_title = GRAPHENE_RECT_INIT (g->x0 - g->name_w - GAP * 2 - title_h,
                                                g->y0 + (size - true_w) / 2, title_h, true_w);
            b->row_names = GRAPHENE_RECT_INIT (g->x0 - g->name_w - GAP, g->y0,
                                               g->name_w, size);
          }
        if (arrangement != LEGEND_NONE)
          {
            double y = g->y0 + size + GAP;
            double x = MAX (MIN (g->x0, w - width), 0);

            b->legend[0] = GRAPHENE_RECT_INIT (x, y, width, entry_h);
            if (g->legend_stacked)
              b->legend[1] = GRAPHENE_RECT_INIT (x, y + entry_h + GAP, width, entry_h);
            else
              b->legend[1] = GRAPHENE_RECT_INIT (g->x0 + width + 2 * GAP, y, width, entry_h);
          }
        return;
      }
  g->cell = 0;
}

void
dl_confusion_matrix_get_layout (DlConfusionMatrix       *self,
                                double                   width,
                                double                   height,
                                DlConfusionMatrixLayout *boxes)
{
  PangoLayout *layout;
  Geometry g;

  g_return_if_fail (DL_IS_CONFUSION_MATRIX (self));
  layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  geometry (self, layout, width, height, &g);
  g_object_unref (layout);
  *boxes = g.boxes;
}

/* One legend entry in its box: a caption above a bar from faint to full in colour, with its two
 * ends. */
static void
draw_legend_bar (cairo_t               *cr,
                 PangoLayout           *layout,
                 const GdkRGBA         *fg,
                 const graphene_rect_t *box,
                 double                 r,
                 double                 gr,
                 double                 b,
                 double                 alpha_from,
                 gboolean               mistakes)
{
  g_autofree char *from = NULL, *to = NULL;
  cairo_pattern_t *ramp;
  int fw, fh, tw, th, cw, ch;
  double bar_x, bar_w, x = box->origin.x, y, width = box->size.width;

  legend_ends (mistakes, &from, &to);
  measure_text (layout, legend_caption (mistakes), &cw, &ch);
  y = box->origin.y + ch + 2;
  measure_text (layout, from, &fw, &fh);
  measure_text (layout, to, &tw, &th);
  bar_x = x + fw + 4;
  bar_w = MAX (width - fw - tw - 8, 8);
  ramp = cairo_pattern_create_linear (bar_x, 0, bar_x + bar_w, 0);
  cairo_pattern_add_color_stop_rgba (ramp, 0, r, gr, b, alpha_from);
  cairo_pattern_add_color_stop_rgba (ramp, 1, r, gr, b, 1);
  cairo_set_source (cr, ramp);
  cairo_rectangle (cr, bar_x, y + (fh - LEGEND_BAR) / 2.0, bar_w, LEGEND_BAR);
  cairo_fill (cr);
  cairo_pattern_destroy (ramp);

  gdk_cairo_set_source_rgba (cr, fg);
  pango_layout_set_text (layout, from, -1);
  cairo_move_to (cr, x, y);
  pango_cairo_show_layout (cr, layout);
  pango_layout_set_text (layout, to, -1);
  cairo_move_to (cr, bar_x + bar_w + 4, y);
  pango_cairo_show_layout (cr, layout);
  pango_layout_set_text (layout, legend_caption (mistakes), -1);
  cairo_move_to (cr, x + (width - cw) / 2, box->origin.y);
  pango_cairo_show_layout (cr, layout);
}

static void
draw_matrix (DlConfusionMatrix *self,
             cairo_t           *cr,
             double             w,
             double             h,
             gboolean           with_selection)
{
  GtkWidget *widget = GTK_WIDGET (self);
  Geometry g;
  GdkRGBA fg;
  PangoLayout *layout;
  PangoLayout *cell_layout;
  int tw, th, widest = 0;

  if (self->n == 0)
    return;
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  layout = gtk_widget_create_pango_layout (widget, NULL);
  cell_layout = gtk_widget_create_pango_layout (widget, NULL);
  geometry (self, layout, w, h, &g);
  if (g.cell <= 0)
    {
      /* too small for even the grid */
      g_object_unref (cell_layout);
      g_object_unref (layout);
      return;
    }

  /* the cells' texts share one size, the largest at which the widest fits its cell */
  for (size_t i = 0; i < self->n * self->n; i++)
    {
      g_autofree char *text = dl_confusion_matrix_dup_cell_text (self, i / self->n, i % self->n);

      measure_text (cell_layout, text, &tw, &th);
      widest = MAX (widest, tw);
    }
  if (widest > 0 && widest > g.cell - 6)
    {
      const PangoFontDescription *base = pango_context_get_font_description (
        pango_layout_get_context (cell_layout));
      PangoFontDescription *font = pango_font_description_copy (base);
      double scale = (g.cell - 6) / widest;

      int points = (int) (pango_font_description_get_size (font) * scale);

      /* GTK gives sizes from CSS pixels as absolute ones */
      if (pango_font_description_get_size_is_absolute (font))
        pango_font_description_set_absolute_size (font, points);
      else
        pango_font_description_set_size (font, points);
      pango_layout_set_font_description (cell_layout, font);
      /* too small to read: the cells keep their colour, the tooltip and summary the numbers */
      if (points < 6 * PANGO_SCALE)
        widest = 0;
      pango_font_description_free (font);
    }

  for (size_t i = 0; i < self->n; i++)
    {
      guint64 total = row_total (self, i);

      for (size_t j = 0; j < self->n; j++)
        {
          guint32 c = self->counts[i * self->n + j];
          double share = total > 0 ? (double) c / total : 0;
          /* the diagonal in blue, mistakes in red; darker is more */
          double intensity = i == j ? share : MIN (1.0, share / MISTAKE_FULL);
          double cx = g.x0 + j * g.cell, cy = g.y0 + i * g.cell;

          if (i == j)
            cairo_set_source_rgba (cr, 0.208, 0.518, 0.894, 0.15 + 0.85 * intensity);
          else if (c > 0)
            cairo_set_source_rgba (cr, 0.878, 0.106, 0.141, 0.1 + 0.9 * intensity);
          else
            cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.04);
          cairo_rectangle (cr, cx + 1, cy + 1, g.cell - 2, g.cell - 2);
          cairo_fill (cr);
          if (with_selection && (int) i == self->selected_row && (int) j == self->selected_col)
            {
              gdk_cairo_set_source_rgba (cr, &fg);
              cairo_set_line_width (cr, 2);
              cairo_rectangle (cr, cx + 2, cy + 2, g.cell - 4, g.cell - 4);
              cairo_stroke (cr);
            }
          if (c == 0 || widest == 0)
            continue;
          {
            g_autofree char *text = dl_confusion_matrix_dup_cell_text (self, i, j);

            measure_text (cell_layout, text, &tw, &th);
          }
          if ((i == j && intensity > 0.5) || (i != j && intensity > 0.6))
            cairo_set_source_rgb (cr, 1, 1, 1);
          else
            gdk_cairo_set_source_rgba (cr, &fg);
          cairo_move_to (cr, cx + (g.cell - tw) / 2.0, cy + (g.cell - th) / 2.0);
          pango_cairo_show_layout (cr, cell_layout);
        }
    }

  /* class names along both edges, then the axes' titles */
  gdk_cairo_set_source_rgba (cr, &fg);
  for (size_t k = 0; g.names && k < self->n; k++)
    {
      measure_text (layout, self->names[k], &tw, &th);
      cairo_move_to (cr, g.x0 + (k + 0.5) * g.cell - tw / 2.0, g.y0 - th - GAP / 2.0);
      pango_cairo_show_layout (cr, layout);
      cairo_move_to (cr, g.x0 - tw - GAP, g.y0 + (k + 0.5) * g.cell - th / 2.0);
      pango_cairo_show_layout (cr, layout);
    }
  if (g.names)
    {
      const graphene_rect_t *t = &g.boxes.true_title;

      pango_layout_set_text (layout, _("Predicted class"), -1);
      cairo_move_to (cr, g.boxes.predicted_title.origin.x, g.boxes.predicted_title.origin.y);
      pango_cairo_show_layout (cr, layout);
      pango_layout_set_text (layout, _("True class"), -1);
      /* read from the bottom up: the box's bottom left corner is the text's start */
      cairo_save (cr);
      cairo_move_to (cr, t->origin.x, t->origin.y + t->size.height);
      cairo_rotate (cr, -G_PI / 2);
      pango_cairo_show_layout (cr, layout);
      cairo_restore (cr);
    }

  /* the legend: what the two colours and their depth mean */
  if (g.boxes.legend[0].size.width > 0)
    {
      draw_legend_bar (cr, layout, &fg, &g.boxes.legend[0], 0.208, 0.518, 0.894, 0.15, FALSE);
      draw_legend_bar (cr, layout, &fg, &g.boxes.legend[1], 0.878, 0.106, 0.141, 0.1, TRUE);
    }
  g_object_unref (cell_layout);
  g_object_unref (layout);
}

/* Draws at any size: on screen through the snapshot, into figure files for export. */
void
dl_confusion_matrix_draw (DlConfusionMatrix *self,
                          cairo_t           *cr,
                          double             w,
                          double             h)
{
  g_return_if_fail (DL_IS_CONFUSION_MATRIX (self));
  draw_matrix (self, cr, w, h, TRUE);
}

static void
dl_confusion_matrix_snapshot (GtkWidget   *widget,
                              GtkSnapshot *snapshot)
{
  double w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));

  dl_confusion_matrix_draw (DL_CONFUSION_MATRIX (widget), cr, w, h);
  cairo_destroy (cr);
}

/* The cell under a point of the widget, if any. */
static gboolean
cell_at (DlConfusionMatrix *self,
         double             x,
         double             y,
         int               *row,
         int               *col)
{
  PangoLayout *layout;
  Geometry g;

  if (self->n == 0)
    return FALSE;
  layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  geometry (self, layout, gtk_widget_get_width (GTK_WIDGET (self)),
            gtk_widget_get_height (GTK_WIDGET (self)), &g);
  g_object_unref (layout);
  if (g.cell <= 0 || x < g.x0 || y < g.y0 || x >= g.x0 + g.cell * self->n ||
      y >= g.y0 + g.cell * self->n)
    return FALSE;
  *col = (int) ((x - g.x0) / g.cell);
  *row = (int) ((y - g.y0) / g.cell);
  return TRUE;
}

/* Hovering a cell names it with its count and share, whatever the cells show. */
static gboolean
on_query_tooltip (GtkWidget  *widget,
                  int         x,
                  int         y,
                  gboolean    keyboard,
                  GtkTooltip *tooltip)
{
  DlConfusionMatrix *self = DL_CONFUSION_MATRIX (widget);
  g_autofree char *text = NULL;
  int row, col;

  if (keyboard && self->selected_row >= 0)
    {
      row = self->selected_row;
      col = self->selected_col;
    }
  else if (keyboard || !cell_at (self, x, y, &row, &col))
    return FALSE;
  text = describe_cell (self, row, col);
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
on_pressed (GtkGestureClick   *gesture,
            int                n_press,
            double             x,
            double             y,
            DlConfusionMatrix *self)
{
  int row, col;

  if (!cell_at (self, x, y, &row, &col))
    return;
  gtk_widget_grab_focus (GTK_WIDGET (self));
  dl_confusion_matrix_activate_cell (self, row, col);
}

/* Arrow keys move the selection from cell to cell, each move showing that cell's images. */
static gboolean
on_key_pressed (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                DlConfusionMatrix     *self)
{
  int row = MAX (self->selected_row, 0), col = MAX (self->selected_col, 0);
  int last = (int) self->n - 1;

  if (self->n == 0 || (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)) != 0)
    return FALSE;
  switch (keyval)
    {
    case GDK_KEY_Left:
    case GDK_KEY_KP_Left:
      col = self->selected_row < 0 ? 0 : MAX (col - 1, 0);
      break;
    case GDK_KEY_Right:
    case GDK_KEY_KP_Right:
      col = self->selected_row < 0 ? 0 : MIN (col + 1, last);
      break;
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      row = self->selected_row < 0 ? 0 : MAX (row - 1, 0);
      break;
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      row = self->selected_row < 0 ? 0 : MIN (row + 1, last);
      break;
    case GDK_KEY_Home:
      row = col = 0;
      break;
    case GDK_KEY_End:
      row = col = last;
      break;
    default:
      return FALSE;
    }
  dl_confusion_matrix_activate_cell (self, row, col);
  return TRUE;
}

static void
dl_confusion_matrix_measure (GtkWidget      *widget,
                             GtkOrientation  orientation,
                             int             for_size,
                             int            *minimum,
                             int            *natural,
                             int            *minimum_baseline,
                             int            *natural_baseline)
{
  DlConfusionMatrix *self = DL_CONFUSION_MATRIX (widget);
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, NULL);
  Geometry g;
  double left, top;

  /* the texts' sizes */
  geometry (self, layout, 0, 0, &g);
  g_object_unref (layout);
  left = g.title_h + GAP + g.name_w + GAP;
  top = g.title_h + GAP + g.name_h + GAP;
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      /* narrow enough for a phone, wide enough for four-digit counts at full size */
      *minimum = 240;
      *natural = (int) (left + 440 + GAP);
    }
  else
    {
      /* square cells: as tall as the width makes the grid, with titles and legend */
      double width = for_size >= 0 ? for_size : left + 440 + GAP;

      layout = gtk_widget_create_pango_layout (widget, NULL);
      geometry (self, layout, width, 0, &g);
      g_object_unref (layout);
      if (g.cell > 0)
        *minimum = *natural = (int) ceil (g.boxes.height);
      else
        *minimum = *natural = (int) ceil (top + MAX (width - left - GAP, 120));
    }
}

static GtkSizeRequestMode
dl_confusion_matrix_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
dl_confusion_matrix_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_PERCENT:
      g_value_set_boolean (value, DL_CONFUSION_MATRIX (object)->percent);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_confusion_matrix_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_PERCENT:
      dl_confusion_matrix_set_percent (DL_CONFUSION_MATRIX (object), g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_confusion_matrix_finalize (GObject *object)
{
  DlConfusionMatrix *self = DL_CONFUSION_MATRIX (object);

  g_free (self->counts);
  g_strfreev (self->names);
  g_free (self->summary);
  G_OBJECT_CLASS (dl_confusion_matrix_parent_class)->finalize (object);
}

static void
dl_confusion_matrix_class_init (DlConfusionMatrixClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = dl_confusion_matrix_finalize;
  object_class->get_property = dl_confusion_matrix_get_property;
  object_class->set_property = dl_confusion_matrix_set_property;
  widget_class->snapshot = dl_confusion_matrix_snapshot;
  widget_class->measure = dl_confusion_matrix_measure;
  widget_class->get_request_mode = dl_confusion_matrix_get_request_mode;
  widget_class->query_tooltip = on_query_tooltip;
  /* whether cells show their share of the true class instead of counts */
  properties[PROP_PERCENT] = g_param_spec_boolean ("percent", NULL, NULL, FALSE,
                                                   G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                                   G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  /* true class, predicted class */
  signals[CELL_ACTIVATED] = g_signal_new ("cell-activated", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                          G_TYPE_INT, G_TYPE_INT);
  gtk_widget_class_set_css_name (widget_class, "confusionmatrix");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
dl_confusion_matrix_init (DlConfusionMatrix *self)
{
  GtkGesture *click = gtk_gesture_click_new ();
  GtkEventController *keys = gtk_event_controller_key_new ();

  self->selected_row = self->selected_col = -1;
  g_signal_connect (click, "pressed", G_CALLBACK (on_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Confusion matrix"), -1);
  update_summary (self);
}

GtkWidget *
dl_confusion_matrix_new (void)
{
  return g_object_new (DL_TYPE_CONFUSION_MATRIX, NULL);
}

static void
dl_confusion_matrix_figure_draw (DlFigure            *figure,
                                 cairo_t             *cr,
                                 const DlFigureFrame *frame)
{
  draw_matrix (DL_CONFUSION_MATRIX (figure), cr, frame->width, frame->height, !frame->for_export);
}

static gboolean
dl_confusion_matrix_figure_has_data (DlFigure *figure)
{
  return DL_CONFUSION_MATRIX (figure)->n > 0;
}

static void
dl_confusion_matrix_figure_init (DlFigureInterface *iface)
{
  iface->draw = dl_confusion_matrix_figure_draw;
  iface->has_data = dl_confusion_matrix_figure_has_data;
}
