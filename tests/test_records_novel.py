"""The catalogue records of a novel in translation (tests/roots/novel, issue 15 item 6): a
personal author and a translator with their names in Cyrillic too, a series, an ISBN per
edition, subjects of every scheme, prices and a full publication date.

Expectations come from the novel's book.yaml (PyYAML) and from MARC 21, RDA and ONIX's
code lists as written here, never from the writers' code. The records are read back
with pymarc and lxml, and validated by the Library of Congress schema and onixcheck.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import onixcheck  # type: ignore[import-untyped]
import pymarc
import pytest
import yaml
from lxml import etree

from .conftest import EPOCH, PROJECT, ROOTS, once_per_run

ONIX = {"o": "http://ns.editeur.org/onix/3.0/reference"}
NOVEL = ROOTS / "novel"
CYRILLIC = "(N"  # MARC 21 script identification code for $6 (Appendix A)
# ISO 639-2/B, as MARC and ONIX (list 74) code languages.
LANGUAGE_CODES = {"en": "eng", "ru": "rus"}


def build_novel(factory: pytest.TempPathFactory) -> Path:
    """The novel's records built once for the test run (shared with test_records_lint)."""
    from publish.build.pipeline import build

    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    with once_per_run(factory, "novel-records") as (out, to_make):
        if to_make:
            build(NOVEL, out, ["marc", "onix"])
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_novel(tmp_path_factory)


@pytest.fixture(scope="module")
def book() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((NOVEL / "book.yaml").read_text(encoding="utf-8"))
    data["date"] = str(data["date"])  # YAML reads 2026-03-15 as a date
    return data


@pytest.fixture(scope="module")
def records(built: Path) -> dict[str, pymarc.Record]:
    """The MARCXML records by carrier: 'print' (volume) and 'epub' (online resource)."""
    found: list[pymarc.Record] = pymarc.parse_xml_to_array(  # type: ignore[no-untyped-call]
        str(built / "novel.marc.xml"))
    carriers = {"nc": "print", "cr": "epub"}
    return {carriers[r.get_fields("338")[0]["b"]]: r for r in found}


@pytest.fixture(scope="module")
def onix(built: Path) -> dict[str, etree._Element]:
    """The ONIX products: 'epub' (ED) and 'print' (BC, the paperback)."""
    root = etree.parse(str(built / "novel.onix.xml")).getroot()
    forms = {"ED": "epub", "BC": "print"}
    return {forms[str(p.findtext("o:DescriptiveDetail/o:ProductForm", namespaces=ONIX))]: p
            for p in root.findall("o:Product", ONIX)}


def values(element: etree._Element, path: str) -> list[str]:
    return [str(v) for v in element.xpath(f"{path}/text()", namespaces=ONIX)]


def digits(isbn: str) -> str:
    return isbn.replace("-", "")


def person(book: dict[str, Any], role: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [c for c in book["contributors"] if c["role"] == role]
    assert len(found) == 1, role
    return found[0]


def inverted(name: str) -> str:
    first, last = name.rsplit(" ", 1)
    return f"{last}, {first}"


def paired(record: pymarc.Record, field: pymarc.Field) -> pymarc.Field:
    """The 880 a field links to through its $6, checked to link back."""
    occurrence = field["6"].removeprefix("880-")
    (vernacular,) = [f for f in record.get_fields("880")
                     if f["6"].split("/")[0] == f"{field.tag}-{occurrence}"]
    return vernacular


# --- validity --------------------------------------------------------------------------


def test_marcxml_is_valid_against_the_loc_schema(built: Path) -> None:
    xsd = PROJECT / "publish" / "checks" / "schemas" / "MARC21slim.xsd"
    schema = etree.XMLSchema(etree.parse(str(xsd)))
    document = etree.parse(str(built / "novel.marc.xml"))
    assert schema.validate(document), schema.error_log
    assert len(document.getroot()) == 2


def test_onix_message_passes_onixcheck(built: Path) -> None:
    errors = onixcheck.validate(str(built / "novel.onix.xml"), schemas=("xsd", "rng"))
    assert errors == [], [str(e) for e in errors]


def test_binary_marc_holds_the_same_records(built: Path,
                                            records: dict[str, pymarc.Record]) -> None:
    binary = list(pymarc.MARCReader((built / "novel.mrc").read_bytes(), to_unicode=True,
                                    force_utf8=True))
    assert sorted(str(r) for r in binary) == sorted(str(r) for r in records.values())


# --- MARC: names -------------------------------------------------------------------


def test_the_personal_author_is_the_main_entry(book: dict[str, Any],
                                               records: dict[str, pymarc.Record]) -> None:
    author = person(book, "aut")
    assert author["kind"] == "person"
    for record in records.values():
        (main,) = record.get_fields("100")
        assert not record.get_fields("110", "111", "130")
        assert main.indicators == ("1", " ")  # a surname first
        assert main["a"] == f"{author['sort']},"
        assert main["d"] == f"{author['dates']},"
        assert main.get_subfields("e") == ["author."]
        assert main.get_subfields("4") == ["aut"]
        assert record["245"].indicator1 == "1"  # a title added entry beside the 1XX
        assert author["sort"] not in [f["a"] for f in record.get_fields("700")]


def test_the_translator_is_an_added_entry_with_its_relator(
        book: dict[str, Any], records: dict[str, pymarc.Record]) -> None:
    translator = person(book, "trl")
    for record in records.values():
        (added,) = record.get_fields("700")
        assert added.indicators == ("1", " ")
        assert added["a"] == f"{translator['sort']},"
        # An open date ends with its hyphen: no comma after it (LC-PCC PS 1.7.1).
        assert translator["dates"].endswith("-") and added["d"] == translator["dates"]
        assert added.get_subfields("e") == ["translator."]
        assert added.get_subfields("4") == ["trl"]
        assert not record.get_fields("710")


def test_names_in_cyrillic_are_880s_linked_both_ways(book: dict[str, Any],
                                                      records: dict[str, pymarc.Record]) -> None:
    for record in records.values():
        for tag, role in (("100", "aut"), ("700", "trl")):
            contributor = person(book, role)
            field = record[tag]
            vernacular = paired(record, field)
            link = vernacular["6"]
            assert link == f"{tag}-{field['6'][4:]}/{CYRILLIC}", link
            assert vernacular.indicators == field.indicators
            # The Cyrillic form sorted as the Latin one is: surname first.
            assert vernacular["a"] == f"{inverted(contributor['name']['ru'])},"
            assert vernacular.get_subfields("4") == [role]
        # Every 880 has its partner, and every $6 its 880.
        linking = [f for f in record.fields if not f.is_control_field() and f.tag != "880"
                   and f.get("6")]
        assert sorted(f"{f.tag}-{f['6'][4:]}" for f in linking) == sorted(
            f["6"].split("/")[0] for f in record.get_fields("880"))


# --- MARC: title, series, identifiers ------------------------------------------------


def test_title_statement_names_the_author_and_the_translator(
        book: dict[str, Any], records: dict[str, pymarc.Record]) -> None:
    author, translator = person(book, "aut"), person(book, "trl")
    for record in records.values():
        title = record["245"]
        # In sentence case, as RDA transcribes a title: "river" is no name in the text.
        assert book["title"] == "The House by the River" and book["subtitle"] == "A Novel"
        assert title["a"] == "The house by the river :"
        assert title["b"] == "a novel /"
        assert title["c"] == (f"{author['name']['en']} ; translated by "
                              f"{translator['name']['en']}.")
        assert title.indicator2 == "4"  # "The " is not filed on
        assert not record.get_fields("246")  # no parallel title


def test_the_cataloguing_agency_is_named_by_its_code(
        book: dict[str, Any], records: dict[str, pymarc.Record]) -> None:
    agency = book["catalogue"]["agency"]
    for record in records.values():
        assert record["003"].data == agency  # whose control number 001 is
        cataloguing = record["040"]
        assert (cataloguing["a"], cataloguing["b"], cataloguing["e"], cataloguing["c"]) == (
            agency, "eng", "rda", agency)


def test_both_records_link_to_the_epub(book: dict[str, Any],
                                       records: dict[str, pymarc.Record]) -> None:
    url = book["catalogue"]["epub_url"]
    (own,) = records["epub"].get_fields("856")
    assert (own.indicators, own.get_subfields("u")) == (("4", "0"), [url])
    (version,) = records["print"].get_fields("856")
    assert version.indicators == ("4", "1")
    assert (version["3"], version["u"]) == ("EPUB edition", url)


def test_the_series_is_stated_and_traced(book: dict[str, Any],
                                         records: dict[str, pymarc.Record]) -> None:
    series = book["series"]
    for record in records.values():
        (stated,) = record.get_fields("490")
        assert stated.indicators == ("1", " ")  # traced: an 830 follows
        assert stated["a"] == f"{series['name']},"
        assert stated["x"] == f"{series['issn']} ;"
        assert stated["v"] == str(series["number"])
        (traced,) = record.get_fields("830")
        assert traced.indicators == (" ", "0")
        assert (traced["a"], traced["v"]) == (f"{series['name']} ;", f"{series['number']}.")
        tags = [f.tag for f in record.fields]
        assert tags.index("830") > max(i for i, t in enumerate(tags) if t.startswith("7"))


def test_each_record_has_its_own_isbn_and_the_other_in_776(
        book: dict[str, Any], records: dict[str, pymarc.Record]) -> None:
    isbn = {kind: digits(book["isbn"][kind]) for kind in ("print", "epub")}
    assert isbn["print"].startswith("978") and isbn["epub"].startswith("979")
    qualifier = {"print": "paperback", "epub": "EPUB"}
    for kind, record in records.items():
        other = "epub" if kind == "print" else "print"
        assert [(f["a"], f["q"]) for f in record.get_fields("020")] == [
            (isbn[kind], qualifier[kind])]
        assert not record.get_fields("024")
        link = record["776"]
        assert link.get_subfields("z") == [isbn[other]]
        assert link["w"] == records[other]["001"].data
        assert link["t"] == "The house by the river."  # 245's title proper


def test_041_and_008_code_a_translation_from_russian(
        book: dict[str, Any], records: dict[str, pymarc.Record]) -> None:
    original = book["original"]["language"]
    assert original != book["language"]
    for kind, record in records.items():
        (codes,) = record.get_fields("041")
        assert codes.indicators == ("1", " ")  # a translation
        assert codes.get_subfields("a") == [LANGUAGE_CODES[book["language"]]]
        assert codes.get_subfields("h") == [LANGUAGE_CODES[original]]
        fixed = record["008"].data
        assert fixed is not None
        assert fixed[35:38] == LANGUAGE_CODES[book["language"]]
        assert fixed[22] == "g"  # audience: general (ONIX list 28 01 / MARC 008/22 g)
        # A translation is a new expression, not a reprint: one date, the edition's.
        assert fixed[6:15] == "s" + book["date"][:4] + "    "
        # BISAC FIC: fiction; 008/33 "1" (a novel's chapters are no letters).
        assert book["subjects"]["bisac"][0].startswith("FIC") and fixed[33] == "1"
        assert fixed[23] == ("o" if kind == "epub" else " ")
        assert record["546"]["a"] == "In English, translated from the Russian."


def test_the_original_is_the_work_s_title_and_noted(book: dict[str, Any],
                                                     records: dict[str, pymarc.Record]) -> None:
    original = book["original"]
    romanized, cyrillic = original["title"]["ru-Latn"], original["title"]["ru"]
    for record in records.values():
        work = record["240"]
        assert (work.indicators, work["a"], work["l"]) == (("1", "0"), f"{romanized}.",
                                                           "English.")
        assert paired(record, work)["a"] == f"{cyrillic}."
        note = record["534"]
        assert note["p"] == "Translation of:"
        assert note["t"] == f"{romanized}."
        assert note["c"] == (f"{original['place']['ru-Latn']} : "
                             f"{original['publisher']['ru-Latn']}, {original['date']}.")
        vernacular = paired(record, note)
        assert vernacular["t"] == f"{cyrillic}."
        assert vernacular["c"] == (f"{original['place']['ru']} : {original['publisher']['ru']}"
                                   f", {original['date']}.")


def test_publication_and_edition(book: dict[str, Any],
                                 records: dict[str, pymarc.Record]) -> None:
    for record in records.values():
        published = record["264"]
        assert published.indicators == (" ", "1")
        assert (published["a"], published["b"], published["c"]) == (
            f"{book['place']} :", f"{book['publisher']},", f"{book['date'][:4]}.")
        assert record["250"]["a"] == f"{book['edition']}."
        assert record["520"]["a"] == book["description"]
        assert record["540"]["a"] == book["rights"]


def test_subjects_are_coded_by_kind_and_subdivision(book: dict[str, Any],
                                                    records: dict[str, pymarc.Record]) -> None:
    topic, place = book["subjects"]["lcsh"]
    assert isinstance(topic, str) and set(place) == {"place"}
    for record in records.values():
        (topical,) = record.get_fields("650")
        assert topical.indicators == (" ", "0")  # LCSH
        # "Ferries -- History -- 20th century -- Fiction"
        assert [(s.code, s.value) for s in topical.subfields] == [
            ("a", "Ferries"), ("x", "History"), ("y", "20th century"), ("v", "Fiction.")]
        (geographic,) = record.get_fields("651")
        assert [(s.code, s.value) for s in geographic.subfields] == [
            ("a", "Volga River (Russia)"), ("v", "Fiction.")]
        assert [f["a"] for f in record.get_fields("653")] == book["keywords"]
        assert not record.get_fields("600", "610")


def test_contents_list_the_parts_and_their_chapters(records: dict[str, pymarc.Record]) -> None:
    headers = []
    for path in sorted((NOVEL / "text").glob("*.md")):
        header = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
        headers.append(header)
    # The dedication and the epigraph are not in the printed contents.
    listed = [h["title"] for h in headers if h["kind"] in ("part", "chapter")]
    assert len(listed) == 6
    for record in records.values():
        assert record["505"]["a"] == " -- ".join(listed) + "."


# --- ONIX ----------------------------------------------------------------------------


def test_onix_identifies_each_product_by_its_isbn(book: dict[str, Any],
                                                  onix: dict[str, etree._Element]) -> None:
    for kind, product in onix.items():
        assert values(product, "o:ProductIdentifier[o:ProductIDType='15']/o:IDValue") == [
            digits(book["isbn"][kind])]
        assert not values(product, "o:ProductIdentifier[o:ProductIDType='22']/o:IDValue")
        other = "epub" if kind == "print" else "print"
        related = ".//o:RelatedProduct[o:ProductRelationCode='06']/o:ProductIdentifier"
        assert digits(book["isbn"][other]) in values(
            product, f"{related}[o:ProductIDType='15']/o:IDValue")
        # The original has no number to name it by: no RelatedProduct for it.
        assert len(product.findall(".//o:RelatedProduct", ONIX)) == 1


def test_onix_collection_is_the_series(book: dict[str, Any],
                                       onix: dict[str, etree._Element]) -> None:
    series = book["series"]
    for product in onix.values():
        (collection,) = product.findall("o:DescriptiveDetail/o:Collection", ONIX)
        assert values(collection, "o:CollectionType") == ["10"]  # publisher collection
        assert values(collection, "o:CollectionIdentifier[o:CollectionIDType='02']/o:IDValue"
                      ) == [series["issn"].replace("-", "")]
        element = "o:TitleDetail[o:TitleType='01']/o:TitleElement[o:TitleElementLevel='02']"
        assert values(collection, f"{element}/o:TitleText") == [series["name"]]
        assert values(collection, f"{element}/o:PartNumber") == [str(series["number"])]


def test_onix_titles(book: dict[str, Any], onix: dict[str, etree._Element]) -> None:
    for product in onix.values():
        detail = "o:DescriptiveDetail/o:TitleDetail"
        assert values(product, f"{detail}[o:TitleType='01']//o:TitleText") == [book["title"]]
        assert values(product, f"{detail}[o:TitleType='01']//o:Subtitle") == [book["subtitle"]]
        (original,) = product.xpath(f"{detail}[o:TitleType='03']//o:TitleText",
                                    namespaces=ONIX)
        assert (original.text, original.get("language"), original.get("textscript")) == (
            book["original"]["title"]["ru"], "rus", "Cyrl")


def test_onix_contributors_are_persons_with_their_roles(
        book: dict[str, Any], onix: dict[str, etree._Element]) -> None:
    roles = {"aut": "A01", "trl": "B06"}  # MARC relator -> ONIX list 17
    for product in onix.values():
        found = product.findall("o:DescriptiveDetail/o:Contributor", ONIX)
        assert len(found) == len(book["contributors"])
        for number, (element, given) in enumerate(zip(found, book["contributors"],
                                                      strict=True), 1):
            assert values(element, "o:SequenceNumber") == [str(number)]
            assert values(element, "o:ContributorRole") == [roles[given["role"]]]
            assert values(element, "o:PersonName") == [given["name"]["en"]]
            assert not element.findall("o:CorporateName", ONIX)
            assert values(element, "o:PersonNameInverted") == [given["sort"]]
            key, before = given["sort"].split(", ")
            assert values(element, "o:KeyNames") == [key]
            assert values(element, "o:NamesBeforeKey") == [before]
            (alternative,) = element.xpath("o:AlternativeName/o:PersonName", namespaces=ONIX)
            assert (alternative.text, alternative.get("language")) == (given["name"]["ru"],
                                                                      "rus")
            born = given["dates"].split("-")[0]
            assert values(element, "o:ContributorDate[o:ContributorDateRole='50']/o:Date"
                          ) == [born]
        translator = found[[c["role"] for c in book["contributors"]].index("trl")]
        assert values(translator, "o:FromLanguage") == ["rus"]
        assert values(translator, "o:ToLanguage") == ["eng"]


def test_onix_languages_of_a_translation(book: dict[str, Any],
                                         onix: dict[str, etree._Element]) -> None:
    for product in onix.values():
        languages = [(values(e, "o:LanguageRole")[0], values(e, "o:LanguageCode")[0])
                     for e in product.findall("o:DescriptiveDetail/o:Language", ONIX)]
        # List 22: 01 the text's, 02 the original language of a translated text.
        assert languages == [("01", LANGUAGE_CODES[book["language"]]),
                             ("02", LANGUAGE_CODES[book["original"]["language"]])]


def test_onix_subjects_by_scheme(book: dict[str, Any], onix: dict[str, etree._Element]) -> None:
    given = book["subjects"]
    thema = [c for c in given["thema"] if not c[0].isdigit()]
    qualifiers = [c for c in given["thema"] if c[0].isdigit()]
    assert thema and qualifiers == ["1DT"]  # a place qualifier
    for product in onix.values():
        subjects = product.findall("o:DescriptiveDetail/o:Subject", ONIX)

        def scheme(code: str, what: str = "o:SubjectCode",
                   subjects: list[etree._Element] = subjects) -> list[str]:
            return [v for s in subjects if values(s, "o:SubjectSchemeIdentifier") == [code]
                    for v in values(s, what)]

        assert scheme("10") == given["bisac"]  # BISAC
        assert scheme("93") == thema  # Thema subject categories
        assert scheme("94") == qualifiers  # Thema place qualifiers
        assert scheme("20", "o:SubjectHeadingText") == ["; ".join(book["keywords"])]
        assert scheme("04", "o:SubjectHeadingText") == [
            re.sub(r"\s*--\s*", "--", h if isinstance(h, str) else h["place"])
            for h in given["lcsh"]]
        main = [(values(s, "o:SubjectSchemeIdentifier")[0], values(s, "o:SubjectCode")[0])
                for s in subjects if s.find("o:MainSubject", ONIX) is not None]
        assert main == [("10", given["bisac"][0]), ("93", thema[0])]  # one per scheme
        audience = product.find("o:DescriptiveDetail/o:Audience", ONIX)
        assert audience is not None
        assert (values(audience, "o:AudienceCodeType"), values(audience, "o:AudienceCodeValue")
                ) == (["01"], ["01"])  # ONIX audience codes (list 28): general / adult


def test_onix_prices_in_supply_detail(book: dict[str, Any],
                                      onix: dict[str, etree._Element]) -> None:
    for kind, product in onix.items():
        supply = product.find("o:ProductSupply/o:SupplyDetail", ONIX)
        assert supply is not None
        assert not supply.findall("o:UnpricedItemType", ONIX)
        found = []
        for price in supply.findall("o:Price", ONIX):
            territory = (values(price, "o:Territory/o:CountriesIncluded")
                         or values(price, "o:Territory/o:RegionsIncluded"))
            found.append((values(price, "o:PriceType")[0], values(price, "o:PriceAmount")[0],
                          values(price, "o:CurrencyCode")[0], territory[0]))
        # List 58: US and Canadian list prices exclude the sales tax (01); others are
        # consumer prices with the tax (02).
        expected = [("01" if set(p.get("territory", "WORLD").split()) <= {"US", "CA"} else "02",
                     f"{p['amount']:.2f}", p["currency"], p.get("territory", "WORLD"))
                    for p in book["prices"] if p["edition"] == kind]
        assert expected and found == expected


def test_onix_publishing_date_is_the_full_date(book: dict[str, Any],
                                               onix: dict[str, etree._Element]) -> None:
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", book["date"])
    for product in onix.values():
        (date,) = product.xpath("o:PublishingDetail/o:PublishingDate"
                                "[o:PublishingDateRole='01']/o:Date", namespaces=ONIX)
        assert (date.get("dateformat"), date.text) == ("00", book["date"].replace("-", ""))
        assert values(product, "o:PublishingDetail/o:CityOfPublication") == [book["place"]]
        assert values(product, "o:DescriptiveDetail/o:EditionStatement") == [book["edition"]]


# What a retailer's or distributor's ONIX intake asks of every product before it lists it
# (the core of BISG's "Best Practices for Product Metadata" and EDItEUR's ONIX 3.0 guide),
# each as where it stands in the product. A product lacking one is not put on sale.
RETAILER_REQUIRES = {
    "the ISBN-13 (ProductIDType 15)": "o:ProductIdentifier[o:ProductIDType='15']/o:IDValue",
    "a new record (NotificationType 03)": "o:NotificationType[.='03']",
    "the product's composition": "o:DescriptiveDetail/o:ProductComposition",
    "its form": "o:DescriptiveDetail/o:ProductForm",
    "its form in detail": "o:DescriptiveDetail/o:ProductFormDetail",
    "the distinctive title": "o:DescriptiveDetail/o:TitleDetail[o:TitleType='01']"
                             "/o:TitleElement/o:TitleText",
    "a contributor with a role": "o:DescriptiveDetail/o:Contributor/o:ContributorRole",
    "the language of the text": "o:DescriptiveDetail/o:Language[o:LanguageRole='01']"
                                "/o:LanguageCode",
    "the page count": "o:DescriptiveDetail/o:Extent/o:ExtentValue",
    "a main BISAC subject": "o:DescriptiveDetail/o:Subject[o:MainSubject]"
                            "[o:SubjectSchemeIdentifier='10']/o:SubjectCode",
    "a Thema subject": "o:DescriptiveDetail/o:Subject[o:SubjectSchemeIdentifier='93']"
                       "/o:SubjectCode",
    "the audience": "o:DescriptiveDetail/o:Audience/o:AudienceCodeValue",
    "a description": "o:CollateralDetail/o:TextContent[o:TextType='03']/o:Text",
    "a front cover image to fetch": "o:CollateralDetail/o:SupportingResource"
                                    "[o:ResourceContentType='01']/o:ResourceVersion/o:ResourceLink",
    "the publisher": "o:PublishingDetail/o:Publisher/o:PublisherName",
    "the publishing status": "o:PublishingDetail/o:PublishingStatus",
    "the publication date": "o:PublishingDetail/o:PublishingDate[o:PublishingDateRole='01']"
                            "/o:Date",
    "where it may be sold": "o:PublishingDetail/o:SalesRights/o:Territory/*",
    "who supplies it": "o:ProductSupply/o:SupplyDetail/o:Supplier/o:SupplierName",
    "whether it is available": "o:ProductSupply/o:SupplyDetail/o:ProductAvailability",
    "a price with its currency and territory": "o:ProductSupply/o:SupplyDetail/o:Price"
                                               "[o:CurrencyCode][o:Territory]/o:PriceAmount",
}
EBOOK_REQUIRES = {
    "EPUB 3 (ProductFormDetail E101)": "o:DescriptiveDetail/o:ProductFormDetail[.='E101']",
    "its technical protection": "o:DescriptiveDetail/o:EpubTechnicalProtection",
}
PRINT_REQUIRES = {
    "height, width and thickness": "o:DescriptiveDetail/o:Measure/o:Measurement",
}


def test_onix_holds_every_field_a_retailer_requires(book: dict[str, Any],
                                                     onix: dict[str, etree._Element]) -> None:
    for kind, product in onix.items():
        wanted = {**RETAILER_REQUIRES, **(EBOOK_REQUIRES if kind == "epub" else PRINT_REQUIRES)}
        missing = [what for what, path in wanted.items()
                   if not [v for v in product.xpath(path, namespaces=ONIX)
                           if (v.text or "").strip()]]
        assert missing == [], f"the {kind} product lacks {missing}"
        links = values(product, "o:CollateralDetail/o:SupportingResource/o:ResourceVersion"
                                "/o:ResourceLink")
        assert links == [book["catalogue"]["cover_url"]]
        assert values(product, "o:PublishingDetail/o:SalesRights/o:Territory"
                               "/o:CountriesIncluded") == [book["catalogue"]["sales_territory"]]
