/**
 * Word lists for the generated catalog (`storekeeper seed`): per category, the things sold, words
 * that qualify them, features for descriptions and a price range in cents. Enough variety that
 * search and facets on a generated catalog behave like on a real one.
 */
export interface CategoryWords {
  name: string;
  /** Relative share of the catalog. */
  weight: number;
  brands: readonly string[];
  qualifiers: readonly string[];
  items: readonly string[];
  features: readonly string[];
  minCents: number;
  maxCents: number;
}

export const CATEGORIES: readonly CategoryWords[] = [
  {
    name: 'Electronics',
    weight: 14,
    brands: ['Voltix', 'Nexora', 'Auralis', 'Quantix', 'Lumetra', 'Corevo', 'Sonique', 'Pixelon'],
    qualifiers: ['Pro', 'Ultra', 'Slim', 'Compact', 'Wireless', 'Portable', 'Max', 'Mini', 'Lite', 'Plus'],
    items: ['Laptop', 'Mouse', 'Keyboard', 'Monitor', 'Headphones', 'Earbuds', 'Smartphone', 'Tablet', 'Webcam', 'USB-C Hub',
      'Power Bank', 'Bluetooth Speaker', 'Smartwatch', 'Router', 'External SSD', 'Charger', 'Microphone', 'E-Reader', 'Projector', 'Soundbar'],
    features: ['a battery that lasts all day', 'fast USB-C charging', 'Bluetooth 5.3', 'active noise cancelling', 'a bright anti-glare display',
      'a two-year warranty', 'low-latency wireless', 'an aluminium body', 'plug-and-play setup', 'a silent cooling design'],
    minCents: 999,
    maxCents: 249_999,
  },
  {
    name: 'Books',
    weight: 12,
    brands: ['Harbor Press', 'Northwind Books', 'Quill & Ink', 'Meridian House', 'Lantern Editions'],
    qualifiers: ['Silent', 'Hidden', 'Last', 'Broken', 'Golden', 'Forgotten', 'Distant', 'Midnight', 'Secret', 'Burning', 'Quiet', 'Wild'],
    items: ['River', 'Garden', 'Kingdom', 'Lighthouse', 'Orchard', 'Voyage', 'Library', 'Mountain', 'City', 'Winter', 'Harbor', 'Forest',
      'Letters', 'Station', 'Island', 'Empire'],
    features: ['a gripping mystery', 'a sweeping family saga', 'a debut novel', 'an award-winning history', 'a practical guide',
      'a collection of short stories', 'a coming-of-age story', 'a thriller set in Lisbon', 'a cookbook of seasonal recipes', 'a biography'],
    minCents: 499,
    maxCents: 4_999,
  },
  {
    name: 'Home & Kitchen',
    weight: 12,
    brands: ['Casa Nova', 'Hearthwell', 'Kitchora', 'Oakline', 'Bellmont'],
    qualifiers: ['Stainless Steel', 'Ceramic', 'Bamboo', 'Cast Iron', 'Glass', 'Non-Stick', 'Copper', 'Enamel', 'Marble', 'Oak'],
    items: ['Frying Pan', "Chef's Knife", 'Cutting Board', 'Teapot', 'Mixing Bowl Set', 'Coffee Grinder', 'French Press', 'Storage Jar',
      'Dutch Oven', 'Salad Spinner', 'Spice Rack', 'Kettle', 'Baking Tray', 'Colander', 'Serving Platter'],
    features: ['dishwasher safe', 'oven safe to 250 °C', 'suitable for induction hobs', 'a lifetime guarantee', 'an ergonomic handle',
      'food-safe materials', 'easy to clean', 'stackable for storage', 'hand-finished', 'BPA-free'],
    minCents: 799,
    maxCents: 29_999,
  },
  {
    name: 'Clothing',
    weight: 12,
    brands: ['Northline', 'Urbane', 'Kestrel', 'Maple & Moss', 'Tidewear'],
    qualifiers: ['Navy', 'Black', 'Olive', 'Charcoal', 'Cream', 'Burgundy', 'Sky Blue', 'Merino', 'Organic Cotton', 'Linen', 'Denim'],
    items: ['T-Shirt', 'Sweater', 'Hoodie', 'Jeans', 'Chinos', 'Rain Jacket', 'Scarf', 'Beanie', 'Socks (3-pack)', 'Dress', 'Shirt',
      'Parka', 'Shorts', 'Cardigan'],
    features: ['a relaxed fit', 'machine washable at 30 °C', 'ethically made', 'a water-repellent finish', 'reinforced seams',
      'soft brushed fabric', 'a classic cut', 'recycled materials', 'breathable weave', 'sizes XS to XXL'],
    minCents: 999,
    maxCents: 19_999,
  },
  {
    name: 'Sports & Outdoors',
    weight: 10,
    brands: ['Trailhead', 'Summitra', 'Velocis', 'Aquaro', 'Ridgeback'],
    qualifiers: ['Lightweight', 'Waterproof', 'Insulated', 'Foldable', 'Adjustable', 'Trail', 'Ultralight', 'All-Weather'],
    items: ['Yoga Mat', 'Running Shoes', 'Water Bottle', 'Tent', 'Backpack', 'Dumbbell Set', 'Cycling Helmet', 'Sleeping Bag',
      'Trekking Poles', 'Jump Rope', 'Headlamp', 'Camping Stove', 'Swim Goggles'],
    features: ['a carry bag included', 'weighs under a kilogram', 'tested on alpine trails', 'quick-dry fabric', 'non-slip grip',
      'reflective details', 'a five-minute setup', 'UV resistant', 'shock-absorbing soles', 'a lifetime repair service'],
    minCents: 599,
    maxCents: 49_999,
  },
  {
    name: 'Toys & Games',
    weight: 8,
    brands: ['Playwise', 'Brightblock', 'Funhaven', 'Kiddo', 'Puzzleworks'],
    qualifiers: ['Wooden', 'Classic', 'Deluxe', 'Magnetic', 'Glow-in-the-Dark', 'Educational', 'Family', 'Junior'],
    items: ['Puzzle (1000 pieces)', 'Board Game', 'Building Blocks Set', 'Plush Bear', 'Remote Control Car', 'Card Game', 'Train Set',
      'Kite', 'Marble Run', 'Doll House', 'Science Kit'],
    features: ['for ages 3 and up', 'for two to six players', 'non-toxic paints', 'a rainy-day favourite', 'batteries included',
      'develops fine motor skills', 'a storage box included', 'sustainably sourced wood'],
    minCents: 499,
    maxCents: 14_999,
  },
  {
    name: 'Beauty',
    weight: 7,
    brands: ['Lumière', 'Verdana Botanics', 'Aurelle', 'Pure Cove', 'Solstice'],
    qualifiers: ['Hydrating', 'Gentle', 'Vitamin C', 'Unscented', 'Night', 'Daily', 'Argan Oil', 'Aloe Vera', 'Charcoal'],
    items: ['Face Cream', 'Shampoo', 'Conditioner', 'Lip Balm', 'Body Lotion', 'Serum', 'Hand Soap', 'Sunscreen SPF 50', 'Face Mask',
      'Hair Oil'],
    features: ['dermatologically tested', 'vegan and cruelty-free', 'for sensitive skin', 'in a refillable bottle', 'paraben-free',
      'a light citrus scent', 'absorbs quickly'],
    minCents: 399,
    maxCents: 8_999,
  },
  {
    name: 'Office',
    weight: 7,
    brands: ['Deskwise', 'Papyra', 'Inkwell', 'Workmate', 'Ledgerline'],
    qualifiers: ['A5', 'A4', 'Dotted', 'Ergonomic', 'Refillable', 'Recycled', 'Magnetic', 'Adjustable', 'Premium'],
    items: ['Notebook', 'Gel Pens (10-pack)', 'Desk Lamp', 'Stapler', 'Office Chair', 'Monitor Stand', 'Whiteboard', 'Planner',
      'Filing Cabinet', 'Desk Organiser', 'Fountain Pen', 'Label Maker'],
    features: ['acid-free paper', 'a warm LED light', 'lumbar support', 'fits any desk', 'smudge-proof ink', 'a five-year warranty',
      'tool-free assembly', 'a soft-touch finish'],
    minCents: 299,
    maxCents: 39_999,
  },
  {
    name: 'Grocery',
    weight: 10,
    brands: ['Golden Field', 'Harvest Lane', 'Terra Verde', 'Old Mill', 'Bluebell Farm'],
    qualifiers: ['Organic', 'Fair Trade', 'Single-Origin', 'Extra Virgin', 'Wildflower', 'Smoked', 'Dark', 'Roasted', 'Whole Grain'],
    items: ['Coffee Beans', 'Green Tea', 'Olive Oil', 'Chocolate', 'Honey', 'Pasta', 'Granola', 'Almonds', 'Rice', 'Maple Syrup',
      'Sea Salt', 'Peanut Butter'],
    features: ['from small farms', 'no added sugar', 'a resealable pack', 'gluten-free', 'roasted in small batches', 'cold-pressed',
      'sustainably harvested', 'a rich, nutty taste'],
    minCents: 199,
    maxCents: 3_999,
  },
  {
    name: 'Garden',
    weight: 5,
    brands: ['Greenreach', 'Bloomfield', 'Rootwise', 'Fernleaf'],
    qualifiers: ['Expandable', 'Heavy-Duty', 'Terracotta', 'Solar', 'Self-Watering', 'Galvanised', 'Raised'],
    items: ['Garden Hose', 'Pruning Shears', 'Planter', 'Watering Can', 'Bird Feeder', 'Compost Bin', 'Garden Lights', 'Seed Kit',
      'Wheelbarrow', 'Garden Gloves'],
    features: ['frost resistant', 'rust-proof steel', 'for balconies and patios', 'charges in daylight', 'a comfortable grip',
      'made from recycled plastic'],
    minCents: 499,
    maxCents: 19_999,
  },
  {
    name: 'Pet Supplies',
    weight: 3,
    brands: ['Pawsome', 'Tailwag', 'Whisker & Co'],
    qualifiers: ['Orthopaedic', 'Interactive', 'Grain-Free', 'Reflective', 'Washable', 'Chew-Proof'],
    items: ['Dog Bed', 'Cat Scratcher', 'Dog Leash', 'Cat Food', 'Dog Treats', 'Pet Bowl', 'Ball Launcher', 'Litter Box'],
    features: ['vet approved', 'for small and large breeds', 'a non-slip base', 'machine washable cover', 'natural ingredients'],
    minCents: 299,
    maxCents: 12_999,
  },
];
