"""Products, price lists, deal line items, promotions and the discount approval ladder
(issue 15, parts 4 and 5): services, selectors, pure rules, pages and the API."""
