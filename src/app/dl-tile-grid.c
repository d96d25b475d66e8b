/* dl-tile-grid.c: one Cairo atlas of coloured tiles, laid out to the width, with a legend */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dl-tile-grid.h"

#include <math.h>
#include <string.h>

#include "dl-figure.h"
#include "nn-explain.h"

#define GAP 4.0
#define LEGEND_BAR_H 10.0
#define LEGEND_MAX_W 280.0

struct _DlTileGrid
{
  GtkWidget         parent_instance;

  float            *values;       /* (n_tiles, tile_h, tile_w) */
  size_t            n_tiles, tile_h, tile_w;
  float            *underlay;     /* (tile_h, tile_w) or NULL */
  char            **captions;     /* (n_tiles) or NULL */
  char             *legend;       /* title, or NULL: none */
  DlColorMap        map;
  float             lo, hi;
  int               min_size, max_size;
  guint             columns;
  gboolean          activatable;
  gboolean          legend_on_screen;  /* FALSE: the legend is only in exports */
  gboolean          legend_only;       /* a legend for another grid: no tiles */
  int               selected;
  int               focus_tile;

  cairo_surface_t  *atlas;        /* the tiles stacked, (n_tiles · tile_h, tile_w); NULL: stale */
};

static void dl_tile_grid_figure_init (DlFigureInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DlTileGrid, dl_tile_grid, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (DL_TYPE_FIGURE, dl_tile_grid_figure_init))

enum
{
  TILE_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Where everything goes for one size. */
typedef struct
{
  double x0, y0;          /* the grid's top left */
  double tile;            /* side of a tile's square cell */
  double caption_h;       /* below each tile; 0 without captions */
  guint  cols, rows;
  double grid_w, grid_h;
  double legend_y;        /* top of the legend; legend_h 0 without one */
  double legend_h;
  double line_h;          /* one line of text */
} Layout;

/* The engine's maps, so the app's figures and the CLI's agree. */
static void
color_map_rgb (DlColorMap map,
               float      lo,
               float      hi,
               float      v,
               double     rgb[3])
{
  guint8 bytes[3];

  switch (map)
    {
    case DL_COLOR_MAP_DIVERGING:
      {
        float range = MAX (fabsf (lo), fabsf (hi));

        nn_explain_diverging_rgb (range > 0 ? v / range : 0, bytes);
      }
      break;
    case DL_COLOR_MAP_SEQUENTIAL:
      nn_explain_sequential_rgb (hi > lo ? (v - lo) / (hi - lo) : 0, bytes);
      break;
    case DL_COLOR_MAP_GREY:
    default:
      {
        double g = hi > lo ? (v - lo) / (hi - lo) : 0;

        bytes[0] = bytes[1] = bytes[2] = (guint8) lround (255 * CLAMP (g, 0.0, 1.0));
      }
      break;
    }
  for (int c = 0; c < 3; c++)
    rgb[c] = bytes[c] / 255.0;
}

void
dl_color_map_rgb (DlColorMap  map,
                  float       lo,
                  float       hi,
                  float       v,
                  double      rgb[3])
{
  color_map_rgb (map, lo, hi, v, rgb);
}

/* A tile's colour over the underlay: the sign's colour, as opaque as |v| is large. */
static void
overlay_rgb (const DlTileGrid *self,
             float             v,
             float             under,
             double            rgb[3])
{
  double g = CLAMP (under, 0.0f, 1.0f), a, top[3];
  float range = MAX (fabsf (self->lo), fabsf (self->hi));

  if (self->map == DL_COLOR_MAP_DIVERGING)
    {
      /* the map's ends are dark: points nearer the middle read better over grey */
      color_map_rgb (self->map, -range, range, v >= 0 ? 0.75f * range : -0.75f * range, top);
      a = range > 0 ? MIN (1.0, fabs (v) / range) : 0;
    }
  else
    {
      color_map_rgb (self->map, self->lo, self->hi, v, top);
      a = self->hi > self->lo ? CLAMP ((v - self->lo) / (self->hi - self->lo), 0.0, 1.0) : 0;
    }
  a = 0.9 * a;
  for (int c = 0; c < 3; c++)
    rgb[c] = (1 - a) * g * 0.8 + a * top[c];
}

static void
invalidate (DlTileGrid *self)
{
  g_clear_pointer (&self->atlas, cairo_surface_destroy);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static cairo_surface_t *
ensure_atlas (DlTileGrid *self)
{
  guint8 *data;
  int stride;

  if (self->atlas != NULL)
    return self->atlas;
  g_clear_pointer (&self->atlas, cairo_surface_destroy);
  if (self->n_tiles == 0)
    return NULL;
  self->atlas = cairo_image_surface_create (CAIRO_FORMAT_RGB24, (int) self->tile_w,
                                            (int) (self->n_tiles * self->tile_h));
  data = cairo_image_surface_get_data (self->atlas);
  stride = cairo_image_surface_get_stride (self->atlas);
  for (size_t t = 0; t < self->n_tiles; t++)
    for (size_t y = 0; y < self->tile_h; y++)
      for (size_t x = 0; x < self->tile_w; x++)
        {
          float v = self->values[(t * self->tile_h + y) * self->tile_w + x];
          guint32 *px = (guint32 *) (data + (t * self->tile_h + y) * stride) + x;
          double rgb[3];

          if (self->underlay != NULL)
            overlay_rgb (self, v, self->underlay[y * self->tile_w + x], rgb);
          else
            color_map_rgb (self->map, self->lo, self->hi, v, rgb);
          *px = 0xff000000u | (guint32) lround (255 * rgb[0]) << 16 |
                (guint32) lround (255 * rgb[1]) << 8 | (guint32) lround (255 * rgb[2]);
        }
  cairo_surface_mark_dirty (self->atlas);
  return self->atlas;
}

static double
line_height (GtkWidget *widget)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, "0");
  int w, h;

  pango_layout_get_pixel_size (layout, &w, &h);
  return h;
}

static double
legend_height (DlTileGrid *self,
               double      line_h)
{
  return self->legend != NULL && self->n_tiles > 0 ? 8 + line_h + 2 + LEGEND_BAR_H + 2 + line_h
                                                   : 0;
}

static void
finish_layout (DlTileGrid *self,
               Layout     *l,
               double      width)
{
  l->rows = self->n_tiles > 0 ? (guint) ((self->n_tiles + l->cols - 1) / l->cols) : 0;
  l->grid_w = l->cols * l->tile + (l->cols > 0 ? (l->cols - 1) * GAP : 0);
  l->grid_h = l->rows * (l->tile + l->caption_h) + (l->rows > 0 ? (l->rows - 1) * GAP : 0);
  /* a grid narrower than the space is centred; a wide one starts at the left and scrolls */
  l->x0 = MAX (0.0, floor ((width - l->grid_w) / 2));
  l->legend_y = l->y0 + l->grid_h;
  l->legend_h = legend_height (self, l->line_h);
}

/* On screen: tiles of min_size, grown to fill the width up to max_size. */
static void
screen_layout (DlTileGrid *self,
               double      width,
               Layout     *l)
{
  memset (l, 0, sizeof *l);
  l->line_h = line_height (GTK_WIDGET (self));
  l->caption_h = self->captions != NULL ? l->line_h + 2 : 0;
  if (self->n_tiles == 0)
    return;
  if (self->columns > 0)
    {
      l->cols = self->columns;
      l->tile = self->min_size;
    }
  else
    {
      guint fit = (guint) MAX (1.0, floor ((width + GAP) / (self->min_size + GAP)));

      l->cols = (guint) MIN ((size_t) fit, self->n_tiles);
      l->tile = floor ((width - (l->cols - 1) * GAP) / l->cols);
      l->tile = CLAMP (l->tile, 1.0, (double) self->max_size);
    }
  finish_layout (self, l, width);
  if (!self->legend_on_screen)
    l->legend_h = 0;
}

/* For an export: the largest tiles that let everything fit width × height. */
static void
figure_layout (DlTileGrid *self,
               double      width,
               double      height,
               Layout     *l)
{
  double best = -1;
  guint best_cols = 1;

  memset (l, 0, sizeof *l);
  l->line_h = line_height (GTK_WIDGET (self));
  l->caption_h = self->captions != NULL ? l->line_h + 2 : 0;
  if (self->n_tiles == 0)
    return;
  for (guint c = 1; c <= self->n_tiles; c++)
    {
      guint rows = (guint) ((self->n_tiles + c - 1) / c);
      double by_w = (width - (c - 1) * GAP) / c;
      double by_h = (height - legend_height (self, l->line_h) - rows * l->caption_h -
                     (rows - 1) * GAP) / rows;
      double t = MIN (by_w, by_h);

      if (t > best)
        {
          best = t;
          best_cols = c;
        }
    }
  l->cols = best_cols;
  l->tile = floor (MAX (best, 1.0));
  finish_layout (self, l, width);
}

static void
tile_origin (const Layout *l,
             size_t        t,
             double       *x,
             double       *y)
{
  *x = l->x0 + (t % l->cols) * (l->tile + GAP);
  *y = l->y0 + (t / l->cols) * (l->tile + l->caption_h + GAP);
}

static void
draw_text (cairo_t     *cr,
           PangoLayout *layout,
           const char  *text,
           double       x,
           double       y,
           double       max_w,
           double       align)     /* 0 left of x, 0.5 centred on x + max_w / 2 */
{
  int tw, th;

  pango_layout_set_text (layout, text, -1);
  pango_layout_set_width (layout, max_w > 0 ? (int) (max_w * PANGO_SCALE) : -1);
  pango_layout_set_ellipsize (layout, max_w > 0 ? PANGO_ELLIPSIZE_END : PANGO_ELLIPSIZE_NONE);
  pango_layout_get_pixel_size (layout, &tw, &th);
  cairo_move_to (cr, x + align * MAX (0.0, max_w - tw), y);
  pango_cairo_show_layout (cr, layout);
  pango_layout_set_width (layout, -1);
}

static char *
format_value (float v)
{
  /* for people: the locale's decimal sign is right here */
  if (v == 0)
    return g_strdup ("0");
  return g_strdup_printf ("%.3g", v);
}

static void
draw_legend (DlTileGrid   *self,
             cairo_t      *cr,
             PangoLayout  *layout,
             const Layout *l,
             double        width,
             const GdkRGBA *fg)
{
  double bar_w = MIN (LEGEND_MAX_W, MAX (l->grid_w, MIN (width, 160.0)));
  double x = MAX (0.0, floor ((width - bar_w) / 2));
  double y = l->legend_y + 8;
  cairo_pattern_t *gradient;
  float ticks[3];
  int n_ticks;

  gdk_cairo_set_source_rgba (cr, fg);
  draw_text (cr, layout, self->legend, x, y, bar_w, 0.5);
  y += l->line_h + 2;

  gradient = cairo_pattern_create_linear (x, 0, x + bar_w, 0);
  for (int i = 0; i <= 32; i++)
    {
      double rgb[3];
      float range = MAX (fabsf (self->lo), fabsf (self->hi));
      float lo = self->map == DL_COLOR_MAP_DIVERGING ? -range : self->lo;
      float hi = self->map == DL_COLOR_MAP_DIVERGING ? range : self->hi;
      float v = lo + (hi - lo) * i / 32.0f;

      if (self->underlay != NULL)
        overlay_rgb (self, v, 0, rgb);
      else
        color_map_rgb (self->map, self->lo, self->hi, v, rgb);
      cairo_pattern_add_color_stop_rgb (gradient, i / 32.0, rgb[0], rgb[1], rgb[2]);
    }
  cairo_rectangle (cr, x, y, bar_w, LEGEND_BAR_H);
  cairo_set_source (cr, gradient);
  cairo_fill_preserve (cr);
  cairo_pattern_destroy (gradient);
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.3);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);

  /* the ends and, for signed maps, zero: the scale every tile shares */
  if (self->map == DL_COLOR_MAP_DIVERGING)
    {
      float range = MAX (fabsf (self->lo), fabsf (self->hi));

      ticks[0] = -range;
      ticks[1] = 0;
      ticks[2] = range;
      n_ticks = 3;
    }
  else
    {
      ticks[0] = self->lo;
      ticks[1] = self->hi;
      n_ticks = 2;
    }
  y += LEGEND_BAR_H + 2;
  gdk_cairo_set_source_rgba (cr, fg);
  for (int i = 0; i < n_ticks; i++)
    {
      g_autofree char *text = format_value (ticks[i]);
      double f = (double) i / (n_ticks - 1);
      int tw, th;

      pango_layout_set_text (layout, text, -1);
      pango_layout_get_pixel_size (layout, &tw, &th);
      cairo_move_to (cr, CLAMP (x + f * bar_w - tw * f, 0.0, MAX (0.0, width - tw)), y);
      pango_cairo_show_layout (cr, layout);
    }
}

static void
draw_layout (DlTileGrid   *self,
             cairo_t      *cr,
             const Layout *l,
             double        width,
             gboolean      on_screen)
{
  GtkWidget *widget = GTK_WIDGET (self);
  cairo_surface_t *atlas = ensure_atlas (self);
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, NULL);
  cairo_pattern_t *pattern;
  GdkRGBA fg, accent;

  if (atlas == NULL)
    return;
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  if (!gtk_style_context_lookup_color (gtk_widget_get_style_context (widget), "accent_color",
                                       &accent))
    accent = (GdkRGBA) { 0.21, 0.52, 0.89, 1 };
  {
    PangoAttrList *attrs = pango_attr_list_new ();

    pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum"));
    pango_attr_list_insert (attrs, pango_attr_scale_new (PANGO_SCALE_SMALL));
    pango_layout_set_attributes (layout, attrs);
    pango_attr_list_unref (attrs);
  }
  pattern = cairo_pattern_create_for_surface (atlas);
  cairo_pattern_set_filter (pattern, CAIRO_FILTER_NEAREST);
  for (size_t t = 0; t < self->n_tiles; t++)
    {
      double x, y, scale = l->tile / MAX (self->tile_w, self->tile_h);
      double w = scale * self->tile_w, h = scale * self->tile_h;
      cairo_matrix_t m;

      tile_origin (l, t, &x, &y);
      x += (l->tile - w) / 2;
      cairo_save (cr);
      cairo_rectangle (cr, x, y, w, h);
      cairo_matrix_init_scale (&m, 1 / scale, 1 / scale);
      /* pattern space is the atlas, where tile t starts t · tile_h rows down */
      cairo_matrix_translate (&m, -x, -y + (double) t * self->tile_h * scale);
      cairo_pattern_set_matrix (pattern, &m);
      cairo_set_source (cr, pattern);
      cairo_fill (cr);
      cairo_restore (cr);
      if ((int) t == self->selected ||
          (on_screen && (int) t == self->focus_tile && gtk_widget_has_visible_focus (widget)))
        {
          cairo_rectangle (cr, x - 1.5, y - 1.5, w + 3, h + 3);
          gdk_cairo_set_source_rgba (cr, &accent);
          cairo_set_line_width (cr, (int) t == self->selected ? 3 : 2);
          cairo_stroke (cr);
        }
      if (self->captions != NULL && self->captions[t] != NULL)
        {
          gdk_cairo_set_source_rgba (cr, &fg);
          draw_text (cr, layout, self->captions[t], x - GAP / 2, y + h + 2, w + GAP, 0.5);
        }
    }
  cairo_pattern_destroy (pattern);
  if (l->legend_h > 0)
    draw_legend (self, cr, layout, l, width, &fg);
}

static void
dl_tile_grid_figure_draw (DlFigure            *figure,
                          cairo_t             *cr,
                          const DlFigureFrame *frame)
{
  DlTileGrid *self = DL_TILE_GRID (figure);
  Layout l;

  if (self->n_tiles == 0)
    return;
  if (frame->for_export)
    {
      /* the largest tiles that fit, centred both ways */
      figure_layout (self, frame->width, frame->height, &l);
      cairo_save (cr);
      cairo_translate (cr, 0, floor ((frame->height - l.grid_h - l.legend_h) / 2));
      draw_layout (self, cr, &l, frame->width, FALSE);
      cairo_restore (cr);
    }
  else
    {
      screen_layout (self, frame->width, &l);
      draw_layout (self, cr, &l, frame->width, TRUE);
    }
}

static gboolean
dl_tile_grid_figure_has_data (DlFigure *figure)
{
  return DL_TILE_GRID (figure)->n_tiles > 0;
}

static void
dl_tile_grid_figure_init (DlFigureInterface *iface)
{
  iface->draw = dl_tile_grid_figure_draw;
  iface->has_data = dl_tile_grid_figure_has_data;
}

static void
dl_tile_grid_snapshot (GtkWidget   *widget,
                       GtkSnapshot *snapshot)
{
  DlTileGrid *self = DL_TILE_GRID (widget);
  double w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  DlFigureFrame frame = { w, h, gtk_widget_get_scale_factor (widget), FALSE, widget };
  cairo_t *cr;

  if (self->legend_only && self->legend != NULL)
    {
      g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, NULL);
      GdkRGBA fg;
      Layout l = { 0 };

      gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
      l.line_h = line_height (widget);
      l.legend_y = -8;
      cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
      draw_legend (self, cr, layout, &l, w, &fg);
      cairo_destroy (cr);
      return;
    }
  if (self->n_tiles == 0)
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  dl_figure_draw (DL_FIGURE (widget), cr, &frame);
  cairo_destroy (cr);
}

static GtkSizeRequestMode
dl_tile_grid_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
dl_tile_grid_measure (GtkWidget      *widget,
                      GtkOrientation  orientation,
                      int             for_size,
                      int            *minimum,
                      int            *natural,
                      int            *minimum_baseline,
                      int            *natural_baseline)
{
  DlTileGrid *self = DL_TILE_GRID (widget);

  if (self->legend_only)
    {
      if (orientation == GTK_ORIENTATION_HORIZONTAL)
        {
          *minimum = 160;
          *natural = (int) LEGEND_MAX_W;
        }
      else
        *minimum = *natural = self->legend != NULL
                                ? (int) ceil (line_height (widget) * 2 + 4 + LEGEND_BAR_H) : 0;
      return;
    }
  if (self->n_tiles == 0)
    {
      *minimum = *natural = 0;
      return;
    }
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      if (self->columns > 0)
        *minimum = *natural = (int) (self->columns * (self->min_size + GAP) - GAP);
      else
        {
          size_t n = MIN (self->n_tiles, (size_t) 8);

          *minimum = self->min_size;
          *natural = (int) MAX (n * (self->max_size + GAP) - GAP, (double) self->min_size);
        }
    }
  else
    {
      Layout l;
      double width = for_size;

      if (for_size < 0)
        {
          int min_w, nat_w;

          dl_tile_grid_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &min_w, &nat_w, NULL,
                                NULL);
          width = nat_w;
        }
      screen_layout (self, width, &l);
      *minimum = *natural = (int) ceil (l.grid_h + l.legend_h);
    }
}

int
dl_tile_grid_tile_at (DlTileGrid *self,
                      double      x,
                      double      y)
{
  Layout l;
  guint col, row;
  size_t t;

  g_return_val_if_fail (DL_IS_TILE_GRID (self), -1);

  screen_layout (self, gtk_widget_get_width (GTK_WIDGET (self)), &l);
  if (self->n_tiles == 0 || x < l.x0 || y < l.y0)
    return -1;
  col = (guint) ((x - l.x0) / (l.tile + GAP));
  row = (guint) ((y - l.y0) / (l.tile + l.caption_h + GAP));
  if (col >= l.cols || x - l.x0 - col * (l.tile + GAP) > l.tile)
    return -1;
  t = (size_t) row * l.cols + col;
  return t < self->n_tiles ? (int) t : -1;
}

static void
activate_tile (DlTileGrid *self,
               int         t)
{
  if (!self->activatable || t < 0 || (size_t) t >= self->n_tiles)
    return;
  self->focus_tile = t;
  g_signal_emit (self, signals[TILE_ACTIVATED], 0, (guint) t);
}

static void
on_pressed (GtkGestureClick *gesture,
            int              n_press,
            double           x,
            double           y,
            DlTileGrid      *self)
{
  int t = dl_tile_grid_tile_at (self, x, y);

  if (t < 0 || !self->activatable)
    return;
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  gtk_widget_grab_focus (GTK_WIDGET (self));
  activate_tile (self, t);
}

static gboolean
on_key_pressed (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                DlTileGrid            *self)
{
  Layout l;
  int t = self->focus_tile, n = (int) self->n_tiles;

  if (!self->activatable || n == 0)
    return FALSE;
  screen_layout (self, gtk_widget_get_width (GTK_WIDGET (self)), &l);
  switch (keyval)
    {
    case GDK_KEY_Left:
      t--;
      break;
    case GDK_KEY_Right:
      t++;
      break;
    case GDK_KEY_Up:
      t -= (int) l.cols;
      break;
    case GDK_KEY_Down:
      t += (int) l.cols;
      break;
    case GDK_KEY_Home:
      t = 0;
      break;
    case GDK_KEY_End:
      t = n - 1;
      break;
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
    case GDK_KEY_space:
      activate_tile (self, CLAMP (t, 0, n - 1));
      return TRUE;
    default:
      return FALSE;
    }
  if (t < 0 || t >= n)
    return FALSE;      /* the focus leaves the grid */
  self->focus_tile = t;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  return TRUE;
}

GtkWidget *
dl_tile_grid_new (void)
{
  return g_object_new (DL_TYPE_TILE_GRID, NULL);
}

void
dl_tile_grid_set_tiles (DlTileGrid  *self,
                        const float *values,
                        size_t       n_tiles,
                        size_t       tile_h,
                        size_t       tile_w)
{
  gboolean same_shape;

  g_return_if_fail (DL_IS_TILE_GRID (self));
  g_return_if_fail (n_tiles == 0 || (values != NULL && tile_h > 0 && tile_w > 0));

  same_shape = n_tiles == self->n_tiles && tile_h == self->tile_h && tile_w == self->tile_w;
  if (n_tiles == 0)
    tile_h = tile_w = 0;
  if (!same_shape)
    {
      g_free (self->values);
      self->values = g_new (float, MAX (n_tiles * tile_h * tile_w, (size_t) 1));
      if (self->focus_tile >= (int) n_tiles)
        self->focus_tile = 0;
      if (self->selected >= (int) n_tiles)
        self->selected = -1;
    }
  if (n_tiles > 0)
    memcpy (self->values, values, n_tiles * tile_h * tile_w * sizeof (float));
  self->n_tiles = n_tiles;
  self->tile_h = tile_h;
  self->tile_w = tile_w;
  if (!same_shape)
    {
      g_clear_pointer (&self->underlay, g_free);
      g_clear_pointer (&self->captions, g_strfreev);
      gtk_widget_queue_resize (GTK_WIDGET (self));
    }
  invalidate (self);
}

const float *
dl_tile_grid_get_tiles (DlTileGrid *self,
                        size_t     *n_tiles,
                        size_t     *tile_h,
                        size_t     *tile_w)
{
  g_return_val_if_fail (DL_IS_TILE_GRID (self), NULL);

  if (n_tiles != NULL)
    *n_tiles = self->n_tiles;
  if (tile_h != NULL)
    *tile_h = self->tile_h;
  if (tile_w != NULL)
    *tile_w = self->tile_w;
  return self->n_tiles > 0 ? self->values : NULL;
}

void
dl_tile_grid_set_color_map (DlTileGrid *self,
                            DlColorMap  map,
                            float       lo,
                            float       hi)
{
  g_return_if_fail (DL_IS_TILE_GRID (self));

  if (!isfinite (lo) || !isfinite (hi))
    lo = hi = 0;
  self->map = map;
  self->lo = lo;
  self->hi = hi;
  invalidate (self);
}

void
dl_tile_grid_set_underlay (DlTileGrid  *self,
                           const float *image)
{
  g_return_if_fail (DL_IS_TILE_GRID (self));

  g_clear_pointer (&self->underlay, g_free);
  if (image != NULL && self->n_tiles > 0)
    self->underlay = g_memdup2 (image, self->tile_h * self->tile_w * sizeof (float));
  invalidate (self);
}

void
dl_tile_grid_set_captions (DlTileGrid        *self,
                           const char *const *captions)
{
  gboolean had;

  g_return_if_fail (DL_IS_TILE_GRID (self));

  had = self->captions != NULL;
  g_clear_pointer (&self->captions, g_strfreev);
  if (captions != NULL && self->n_tiles > 0)
    {
      self->captions = g_new0 (char *, self->n_tiles + 1);
      for (size_t t = 0; t < self->n_tiles; t++)
        self->captions[t] = g_strdup (captions[t] != NULL ? captions[t] : "");
    }
  if (had != (self->captions != NULL))
    gtk_widget_queue_resize (GTK_WIDGET (self));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
dl_tile_grid_set_legend (DlTileGrid *self,
                         const char *title)
{
  g_return_if_fail (DL_IS_TILE_GRID (self));

  if (g_strcmp0 (self->legend, title) == 0)
    return;
  g_free (self->legend);
  self->legend = g_strdup (title);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

void
dl_tile_grid_set_tile_size (DlTileGrid *self,
                            int         min_size,
                            int         max_size)
{
  g_return_if_fail (DL_IS_TILE_GRID (self));
  g_return_if_fail (min_size > 0 && max_size >= min_size);

  if (self->min_size == min_size && self->max_size == max_size)
    return;
  self->min_size = min_size;
  self->max_size = max_size;
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

void
dl_tile_grid_set_columns (DlTileGrid *self,
                          guint       columns)
{
  g_return_if_fail (DL_IS_TILE_GRID (self));
  if (self->columns == columns)
    return;
  self->columns = columns;
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

void
dl_tile_grid_set_legend_on_screen (DlTileGrid *self,
                                   gboolean    on_screen)
{
  g_return_if_fail (DL_IS_TILE_GRID (self));
  self->legend_on_screen = on_screen;
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

void
dl_tile_grid_set_legend_only (DlTileGrid *self,
                              gboolean    legend_only)
{
  g_return_if_fail (DL_IS_TILE_GRID (self));

  self->legend_only = legend_only;
  gtk_accessible_update_state (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_STATE_HIDDEN,
                                  legend_only, -1);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

void
dl_tile_grid_set_activatable (DlTileGrid *self,
                              gboolean    activatable)
{
  g_return_if_fail (DL_IS_TILE_GRID (self));

  self->activatable = activatable;
  gtk_widget_set_focusable (GTK_WIDGET (self), activatable);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), activatable ? "pointer" : NULL);
}

void
dl_tile_grid_set_selected (DlTileGrid *self,
                           int         index)
{
  g_return_if_fail (DL_IS_TILE_GRID (self));

  self->selected = index >= 0 && (size_t) index < self->n_tiles ? index : -1;
  if (self->selected >= 0)
    self->focus_tile = self->selected;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
dl_tile_grid_finalize (GObject *object)
{
  DlTileGrid *self = DL_TILE_GRID (object);

  g_clear_pointer (&self->atlas, cairo_surface_destroy);
  g_free (self->values);
  g_free (self->underlay);
  g_strfreev (self->captions);
  g_free (self->legend);
  G_OBJECT_CLASS (dl_tile_grid_parent_class)->finalize (object);
}

static void
dl_tile_grid_class_init (DlTileGridClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = dl_tile_grid_finalize;
  widget_class->snapshot = dl_tile_grid_snapshot;
  widget_class->measure = dl_tile_grid_measure;
  widget_class->get_request_mode = dl_tile_grid_get_request_mode;
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
  gtk_widget_class_set_css_name (widget_class, "tilegrid");

  /* a tile was clicked, or chosen with the arrow keys and Enter */
  signals[TILE_ACTIVATED] = g_signal_new ("tile-activated", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                          G_TYPE_UINT);
}

static void
dl_tile_grid_init (DlTileGrid *self)
{
  GtkGesture *click = gtk_gesture_click_new ();
  GtkEventController *keys = gtk_event_controller_key_new ();

  self->min_size = 28;
  self->max_size = 56;
  self->legend_on_screen = TRUE;
  self->selected = -1;
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect (click, "pressed", G_CALLBACK (on_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);
}
