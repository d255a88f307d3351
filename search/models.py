"""The embedded search index: one row per searchable call, denormalised for speed.

Rows are written by the indexer from CallEvent snapshots, never by the CMS directly.
On PostgreSQL, triggers write each row's weighted French full-text vector (title >
summary and keywords > body, unaccented) into one of two match tiers behind GIN
indexes (``HotEntry``, ``SettledEntry``, below; ``SearchEntry.search_vector`` stays
empty there), and ``folded_text`` carries a trigram index for typo tolerance; the
indexes, triggers, the ``unaccent`` and ``pg_trgm`` extensions and the
``french_unaccent`` configuration are created by PostgreSQL-only migrations, so
SQLite keeps plain tables (and its own FTS5 index).
"""

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchEntry(models.Model):
    call_id = models.CharField(_("identifiant"), max_length=32, unique=True)
    version = models.PositiveIntegerField(_("version indexée"))
    title = models.CharField(_("titre"), max_length=255)
    summary = models.TextField(_("résumé"))
    body = models.TextField(_("texte"), blank=True)
    keywords = models.TextField(_("mots-clés"), blank=True)
    call_type = models.CharField(_("type"), max_length=32, db_index=True)
    issuer = models.CharField(_("organisation"), max_length=200)
    issuer_slug = models.CharField(max_length=100, db_index=True)
    # " sante energie_environnement ": space-delimited so a portable LIKE finds a code.
    sectors = models.CharField(_("filières"), max_length=255, blank=True)
    location = models.CharField(_("lieu"), max_length=200, blank=True)
    url = models.CharField(max_length=500)
    opens_at = models.DateTimeField(db_index=True)
    closes_at = models.DateTimeField(db_index=True)
    closed_early = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, db_index=True)
    folded_text = models.TextField(blank=True)  # lowercase, unaccented title/summary/keywords
    search_vector = SearchVectorField(null=True)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("entrée d'index")
        verbose_name_plural = _("entrées d'index")

    def __str__(self) -> str:
        return f"{self.call_id} v{self.version}"

    @property
    def sector_codes(self) -> list[str]:
        return self.sectors.split()


class SearchWord(models.Model):
    """A folded word seen in indexed calls: the dictionary typo tolerance corrects to."""

    word = models.CharField(max_length=60, primary_key=True)
    length = models.PositiveSmallIntegerField(db_index=True)

    class Meta:
        verbose_name = _("mot indexé")
        verbose_name_plural = _("mots indexés")

    def __str__(self) -> str:
        return self.word


# --- PostgreSQL only: the match tiers (migration 0007) ----------------------------------
#
# Searching reads the facet data of every matching call and ranks the calls that are
# not closed. ``SearchEntry`` holds the texts; the vectors and what matching, facets
# and ranking need live in two narrow tables kept in step with it by triggers:
# ``HotEntry`` (calls closing after the horizon, vector stored inline so that ranking
# them never reads TOAST) and ``SettledEntry`` (calls closed before it, vector out of
# line, a narrow row). ``FacetKey`` names each (type, issuer, sectors) combination
# and counts its settled calls, so that browsing without words only groups the hot
# tier. The models exist on every database so that test flushes empty the tables;
# only PostgreSQL fills them.


class SearchHorizon(models.Model):
    """Calls that closed before ``settled_before`` are in ``SettledEntry``."""

    settled_before = models.DateTimeField()
    # When ``CommonWord`` was last chosen, and the size of the settled tier then.
    words_refreshed_at = models.DateTimeField(null=True)
    words_settled = models.IntegerField(db_default=0)

    def __str__(self) -> str:
        return f"settled before {self.settled_before:%Y-%m-%d %H:%M}"


class FacetKey(models.Model):
    call_type = models.CharField(max_length=32)
    issuer_slug = models.CharField(max_length=100)
    sectors = models.CharField(max_length=255)
    settled = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["call_type", "issuer_slug", "sectors"], name="search_facetkey_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.call_type} {self.issuer_slug} [{self.sectors.strip()}]"


class TierEntry(models.Model):
    entry_id = models.BigIntegerField(primary_key=True)
    call_id = models.CharField(max_length=32)
    facet_key = models.BigIntegerField()
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    closed_early = models.BooleanField()
    published_at = models.DateTimeField(null=True)
    search_vector = SearchVectorField(null=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.call_id


class HotEntry(TierEntry):
    """A call closing after the horizon; its vector is kept inline for ranking."""


class SettledEntry(TierEntry):
    """A call closed before the horizon; a narrow row, its vector out of line."""


# --- PostgreSQL only: settled counts of the common words (migration 0011) --------------
#
# A word in most calls (``innovation``) matches tens of thousands of settled calls,
# and grouping them for the facets was most of such a search. For the words in at
# least ``COMMON_WORD_SHARE`` of the settled calls, ``SettledWordCount`` keeps how
# many settled calls of each facet key hold the word, kept exact by a trigger on the
# settled tier; a one-word search reads those counts instead.


class CommonWord(models.Model):
    """A lexeme whose settled counts ``SettledWordCount`` keeps."""

    lexeme = models.CharField(max_length=255, primary_key=True)
    # How many settled calls held it when the words were last chosen: which of a
    # query's common words saves the most reading (migration 0013), nothing more.
    ndoc = models.IntegerField(db_default=0)

    def __str__(self) -> str:
        return self.lexeme


class SettledWordCount(models.Model):
    pk = models.CompositePrimaryKey("lexeme", "facet_key")
    lexeme = models.CharField(max_length=255)
    facet_key = models.BigIntegerField()
    n = models.IntegerField()

    def __str__(self) -> str:
        return f"{self.lexeme} × {self.facet_key}: {self.n}"


# --- PostgreSQL only: the hot tier's ranks of the frequent words (migration 0013) -----
#
# A search for a word in most live calls ranked every live match to find the best
# twenty: 13 753 vectors read and ranked for ``innovation`` at 100 000 calls. For the
# words held by at least ``RANKED_WORD_SHARE`` of the hot calls, ``HotWordRank``
# keeps each hot call's rank for the word alone (``ts_rank`` of the word's tsquery)
# beside the columns the filters and facets read, kept exact by a trigger on the hot
# tier; such a search reads the best live rows in rank order from an index and
# counts from narrow rows instead of the calls' 2 kB vectors.


class RankedWord(models.Model):
    """A lexeme whose hot ranks ``HotWordRank`` keeps."""

    lexeme = models.CharField(max_length=255, primary_key=True)

    def __str__(self) -> str:
        return self.lexeme


class HotWordRank(models.Model):
    pk = models.CompositePrimaryKey("entry_id", "lexeme")
    entry_id = models.BigIntegerField()
    lexeme = models.CharField(max_length=255)
    rank = models.FloatField()
    facet_key = models.BigIntegerField()
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    closed_early = models.BooleanField()
    call_id = models.CharField(max_length=32)

    def __str__(self) -> str:
        return f"{self.lexeme} in {self.call_id}: {self.rank}"
