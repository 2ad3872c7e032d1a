"""What the site offers crawlers and aggregators: sitemaps (``sitemaps``) and their month summary
(``parts``), and what feeds and metadata say of a story: who is credited as what (``credits``), its
summary (``summaries``)."""
