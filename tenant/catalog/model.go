// Package catalog holds a store's category tree, products (SPU) and their SKUs
// with prices in int64 fen and stock. Every write happens in a tenant
// transaction; stock is written explicitly so that zero is stored as zero.
package catalog

import (
	"time"

	"github.com/shoplet/shoplet/pkg/jsonb"
	"github.com/shoplet/shoplet/tenant"
)

// Product statuses.
const (
	Draft    = "draft"
	OnShelf  = "on_shelf"
	OffShelf = "off_shelf"
)

// Category is a node of the store's own category tree (e.g. Tops > T-shirts).
type Category struct {
	tenant.Base
	ID        string      `gorm:"primaryKey" json:"id"`
	ParentID  *string     `json:"parent_id"`
	Name      string      `json:"name"`
	Sort      int         `json:"sort"`
	CreatedAt time.Time   `json:"created_at"`
	UpdatedAt time.Time   `json:"updated_at"`
	Children  []*Category `gorm:"-" json:"children,omitempty"`
}

// TableName is the category table.
func (Category) TableName() string { return "catalog_categories" }

// Spec is one specification axis and its values, e.g. colour: red, blue.
type Spec struct {
	Name   string   `json:"name" binding:"required"`
	Values []string `json:"values" binding:"required"`
}

// Attribute is a descriptive name/value pair, e.g. material: cotton.
type Attribute struct {
	Name  string `json:"name" binding:"required"`
	Value string `json:"value" binding:"required"`
}

// Product is an SPU.
type Product struct {
	tenant.Base
	ID               string  `gorm:"primaryKey" json:"id"`
	Title            string  `json:"title"`
	Subtitle         string  `json:"subtitle"`
	CategoryID       *string `json:"category_id"`
	BusinessCategory string  `json:"business_category"`
	// ShippingTemplateID is the shipping template (tenant/marketing) the
	// product ships under; nil: shipped free.
	ShippingTemplateID *string                 `json:"shipping_template_id"`
	Status             string                  `json:"status"`
	Specs              jsonb.JSON[[]Spec]      `json:"specs"`
	Attributes         jsonb.JSON[[]Attribute] `json:"attributes"`
	Images             jsonb.JSON[[]string]    `json:"images"`
	Description        string                  `json:"description"`
	MinPrice           int64                   `json:"min_price"`
	MaxPrice           int64                   `json:"max_price"`
	TotalStock         int64                   `json:"total_stock"`
	SearchText         string                  `json:"-"`
	CreatedBy          string                  `json:"-"`
	CreatedAt          time.Time               `json:"created_at"`
	UpdatedAt          time.Time               `json:"updated_at"`
	SKUs               []SKU                   `gorm:"-" json:"skus,omitempty"`
}

// SKU is one sellable combination of spec values with its own price and stock.
type SKU struct {
	tenant.Base
	ID          string                        `gorm:"primaryKey" json:"id"`
	ProductID   string                        `json:"product_id"`
	SpecKey     string                        `json:"-"`
	SpecValues  jsonb.JSON[map[string]string] `json:"spec"`
	Price       int64                         `json:"price"`
	MarketPrice int64                         `json:"market_price"`
	Stock       int64                         `json:"stock"`
	Weight      int64                         `json:"weight"` // grams, for shipping by weight
	Barcode     string                        `json:"barcode"`
	Position    int                           `json:"position"`
	CreatedAt   time.Time                     `json:"created_at"`
	UpdatedAt   time.Time                     `json:"updated_at"`
}

// TableName is the SKU table.
func (SKU) TableName() string { return "skus" }

// ListItem is a product in a list: enough for a row or a card.
type ListItem struct {
	ID               string    `json:"id"`
	Title            string    `json:"title"`
	Subtitle         string    `json:"subtitle"`
	Status           string    `json:"status"`
	CategoryID       *string   `json:"category_id"`
	BusinessCategory string    `json:"business_category"`
	MinPrice         int64     `json:"min_price"`
	MaxPrice         int64     `json:"max_price"`
	TotalStock       int64     `json:"total_stock"`
	Cover            string    `json:"cover"`     // first image's file id, "" if none
	LowStock         bool      `json:"low_stock"` // LowStock units or fewer left in total (0 included)
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// LowStock is the stock at or below which a product is flagged for restocking.
const LowStock = 5

// StatusCounts is how many products each list tab holds.
type StatusCounts struct {
	All      int64 `json:"all"`
	Draft    int64 `json:"draft"`
	OnShelf  int64 `json:"on_shelf"`
	OffShelf int64 `json:"off_shelf"`
	SoldOut  int64 `json:"sold_out"`  // total stock 0
	LowStock int64 `json:"low_stock"` // total stock 1..LowStock
}
