/* dl-tile-grid.h: many small maps (filters, activations, images) in one widget, with a shared,
 * labelled colour scale; a tile can be clicked */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum
{
  DL_COLOR_MAP_GREY,        /* lo black … hi white: images, ink light on dark */
  DL_COLOR_MAP_DIVERGING,   /* −range blue … 0 neutral … +range red: weights, gradients */
  DL_COLOR_MAP_SEQUENTIAL,  /* lo dark violet … hi yellow (viridis): activations */
} DlColorMap;

/* The colour of value v in a map over [lo, hi] (DIVERGING: symmetric, ±MAX (|lo|, |hi|)), as
 * RGB in [0, 1]. A pure function, so the legend, the tiles and tests agree. */
void        dl_color_map_rgb             (DlColorMap   map,
                                          float        lo,
                                          float        hi,
                                          float        v,
                                          double       rgb[3]);

#define DL_TYPE_TILE_GRID (dl_tile_grid_get_type ())
G_DECLARE_FINAL_TYPE (DlTileGrid, dl_tile_grid, DL, TILE_GRID, GtkWidget)

GtkWidget  *dl_tile_grid_new             (void);
/* values (n_tiles, tile_h, tile_w), copied; n_tiles 0 shows nothing. */
void        dl_tile_grid_set_tiles       (DlTileGrid  *self,
                                          const float *values,
                                          size_t       n_tiles,
                                          size_t       tile_h,
                                          size_t       tile_w);
/* The values as set (borrowed), for tests and exports; NULL when there are none. */
const float *dl_tile_grid_get_tiles      (DlTileGrid  *self,
                                          size_t      *n_tiles,
                                          size_t      *tile_h,
                                          size_t      *tile_w);
/* The colours and the range every tile shares; the legend labels it. */
void        dl_tile_grid_set_color_map   (DlTileGrid  *self,
                                          DlColorMap   map,
                                          float        lo,
                                          float        hi);
/* A grey image (tile_h, tile_w) under every tile, the values drawn over it with an opacity
 * that grows with |v|: a map laid over its input. NULL: none. Copied. */
void        dl_tile_grid_set_underlay    (DlTileGrid  *self,
                                          const float *image);
/* One short caption under each tile (n_tiles strings), or NULL; copied. */
void        dl_tile_grid_set_captions    (DlTileGrid  *self,
                                          const char *const *captions);
/* The legend's title ("Weight", "Activation"…); NULL: no legend. */
void        dl_tile_grid_set_legend      (DlTileGrid  *self,
                                          const char  *title);
/* FALSE: the legend is drawn in exports only (a grid that scrolls shows it beside, through a
 * legend-only grid). */
void        dl_tile_grid_set_legend_on_screen (DlTileGrid *self,
                                               gboolean    on_screen);
/* Draws only a legend (the colour map, range and title set), for a grid that scrolls; hidden
 * from screen readers, which get the grid's own description. */
void        dl_tile_grid_set_legend_only (DlTileGrid  *self,
                                          gboolean     legend_only);
/* On screen: tiles at least min_size pixels, grown up to max_size to fill the width. */
void        dl_tile_grid_set_tile_size   (DlTileGrid  *self,
                                          int          min_size,
                                          int          max_size);
/* 0: as many columns as fit the width; else exactly that many (the grid then scrolls). */
void        dl_tile_grid_set_columns     (DlTileGrid  *self,
                                          guint        columns);
/* Tiles can be clicked (and chosen with the keyboard): "tile-activated" (guint index). */
void        dl_tile_grid_set_activatable (DlTileGrid  *self,
                                          gboolean     activatable);
/* A tile drawn with an outline (the one shown enlarged), or −1. */
void        dl_tile_grid_set_selected    (DlTileGrid  *self,
                                          int          index);
/* The tile at widget coordinates, or −1. */
int         dl_tile_grid_tile_at         (DlTileGrid  *self,
                                          double       x,
                                          double       y);

G_END_DECLS
