"""What the site offers crawlers and aggregators: sitemaps (``sitemaps``) and their month summary (``parts``)."""
