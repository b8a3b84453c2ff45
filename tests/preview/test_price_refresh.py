"""`python -m preview.prices refresh`: GetProducts answers (botocore's Stubber) become a dated table."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from preview.estimate import estimate
from preview.prices import refresh_command
from preview.prices.__main__ import main
from preview.prices.price_list import read_offers
from preview.prices.refresh import fetch_table
from preview.prices.table import load_prices
from preview.usage import extract_usage
from tests.run_cache import run_stack

REGION = "ap-northeast-2"
TODAY = date(2026, 11, 30)


def product(
    service: str, family: str, usage_type: str, usd: str, unit: str, *, operation: str = "", sku: str = ""
) -> str:
    """One PriceList entry as the API returns it: a JSON string (shape of a real AmazonECS answer)."""
    sku = sku or f"SKU{abs(hash((service, usage_type, operation))) % 10**12:012d}"
    term, rate = f"{sku}.JRTCKXETXF", f"{sku}.JRTCKXETXF.6YS6EN2CT7"
    return json.dumps(
        {
            "product": {
                "productFamily": family,
                "attributes": {
                    "servicecode": service,
                    "location": "Asia Pacific (Seoul)",
                    "locationType": "AWS Region",
                    "usagetype": usage_type,
                    "operation": operation,
                    "regionCode": REGION,
                    "servicename": service,
                },
                "sku": sku,
            },
            "serviceCode": service,
            "terms": {
                "OnDemand": {
                    term: {
                        "priceDimensions": {
                            rate: {
                                "unit": unit,
                                "endRange": "Inf",
                                "description": f"{usd} USD per {unit} for {usage_type}",
                                "appliesTo": [],
                                "rateCode": rate,
                                "beginRange": "0",
                                "pricePerUnit": {"USD": usd},
                            }
                        },
                        "sku": sku,
                        "effectiveDate": "2026-07-01T00:00:00Z",
                        "offerTermCode": "JRTCKXETXF",
                        "termAttributes": {},
                    }
                }
            },
            "version": "20260831000000",
            "publicationDate": "2026-08-31T00:00:00Z",
        }
    )


ECS = [
    product("AmazonECS", "Compute", "APN2-Fargate-vCPU-Hours:perCPU", "0.0465600000", "hours"),
    product("AmazonECS", "Compute", "APN2-Fargate-GB-Hours", "0.0051100000", "hours"),
    product("AmazonECS", "Compute", "APN2-Fargate-ARM-vCPU-Hours:perCPU", "0.0372500000", "hours"),
    product("AmazonECS", "Compute", "APN2-Fargate-ARM-GB-Hours", "0.0040900000", "hours"),
    product("AmazonECS", "Compute", "APN2-Fargate-Windows-vCPU-Hours:perCPU", "0.0900000000", "hours"),
]
ELB = [
    product(
        "AWSELB",
        "Load Balancer-Application",
        "APN2-LoadBalancerUsage",
        "0.0225000000",
        "Hrs",
        operation="LoadBalancing:Application",
    ),
    product(
        "AWSELB",
        "Load Balancer-Application",
        "APN2-LCUUsage",
        "0.0080000000",
        "LCU-Hrs",
        operation="LoadBalancing:Application",
    ),
]
NAT = [
    product("AmazonEC2", "NAT Gateway", "APN2-NatGateway-Hours", "0.0590000000", "Hrs"),
    product("AmazonEC2", "NAT Gateway", "APN2-NatGateway-Bytes", "0.0590000000", "GB"),
]
VPC = [
    product("AmazonVPC", "VPC Public IPv4 Address", "APN2-PublicIPv4:InUseAddress", "0.0050000000", "Hrs"),
    product("AmazonVPC", "VpcEndpoint", "APN2-VpcEndpoint-Hours", "0.0130000000", "Hrs"),
    product("AmazonVPC", "VpcEndpoint", "APN2-VpcEndpoint-Bytes", "0.0100000000", "GigaBytes"),
]
CLOUDWATCH = [
    product("AmazonCloudWatch", "Data Payload", "APN2-DataProcessing-Bytes", "0.7600000000", "GB"),
    product("AmazonCloudWatch", "Data Payload", "APN2-DataProcessingIA-Bytes", "0.3800000000", "GB"),
    product("AmazonCloudWatch", "Storage Snapshot", "APN2-TimedStorage-ByteHrs", "0.0314000000", "GB-Mo"),
    product("AmazonCloudWatch", "Alarm", "APN2-CW:AlarmMonitorUsage", "0.1000000000", "Alarms"),
    product("AmazonCloudWatch", "Data Payload", "APN2-VendedLog-Bytes", "0.7600000000", "GB"),
]
ECR = [product("AmazonECR", "EC2 Container Registry", "APN2-TimedStorage-ByteHrs", "0.1000000000", "GB-Mo")]
# Stub answers for the edge's prices (shapes of real Price List entries; the figures are test data).
WAF = [
    product("awswaf", "Web Application Firewall", "APN2-WebACLV2", "5.0000000000", "Month"),
    product("awswaf", "Web Application Firewall", "APN2-RuleV2", "1.0000000000", "Month"),
    product("awswaf", "Web Application Firewall", "APN2-RequestV2-Tier1", "0.0000006000", "Request"),
]
S3 = [product("AmazonS3", "Storage", "APN2-TimedStorage-ByteHrs", "0.0250000000", "GB-Mo")]


def expect_edge(stub: Stubber) -> None:
    """The queries after ECR's: WAF, then S3 (CloudWatch's vended logs come from its earlier answer)."""
    expect(stub, "awswaf", WAF)
    expect(stub, "AmazonS3", S3)


def filters(family: str | None = None) -> list[dict[str, str]]:
    found = [
        {"Type": "TERM_MATCH", "Field": "regionCode", "Value": REGION},
        {"Type": "TERM_MATCH", "Field": "locationType", "Value": "AWS Region"},
    ]
    if family:
        found.append({"Type": "TERM_MATCH", "Field": "productFamily", "Value": family})
    return found


def expect(
    stub: Stubber,
    service: str,
    items: list[str],
    family: str | None = None,
    *,
    token_in: str | None = None,
    token_out: str | None = None,
) -> None:
    """One GetProducts call refresh must make (checked against the API model) and its answer."""
    params: dict[str, Any] = {
        "ServiceCode": service,
        "Filters": filters(family),
        "FormatVersion": "aws_v1",
        "MaxResults": 100,
    }
    if token_in:
        params["NextToken"] = token_in
    response: dict[str, Any] = {"FormatVersion": "aws_v1", "PriceList": items}
    if token_out:
        response["NextToken"] = token_out
    stub.add_response("get_products", response, params)


@pytest.fixture
def client() -> Any:
    return boto3.client("pricing", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


def stub_all(stub: Stubber, vpc: list[str] = VPC) -> None:
    """The calls in the order refresh makes them; ECS answers in two pages."""
    expect(stub, "AmazonECS", ECS[:2], token_out="page-2")
    expect(stub, "AmazonECS", ECS[2:], token_in="page-2")
    expect(stub, "AWSELB", ELB, "Load Balancer-Application")
    expect(stub, "AmazonEC2", NAT, "NAT Gateway")
    expect(stub, "AmazonVPC", vpc)
    expect(stub, "AmazonCloudWatch", CLOUDWATCH)


def test_a_price_list_entry_is_read_with_its_sku_and_dates() -> None:
    (offer,) = read_offers(NAT[0])
    assert (offer.usage_type, offer.product_family, offer.usd, offer.unit) == (
        "APN2-NatGateway-Hours",
        "NAT Gateway",
        0.059,
        "Hrs",
    )
    assert (offer.publication_date, offer.effective_date) == ("2026-08-31T00:00:00Z", "2026-07-01T00:00:00Z")


def test_refresh_writes_every_price_with_its_source(client: Any, tmp_path: Path) -> None:
    with Stubber(client) as stub:
        stub_all(stub)
        expect(stub, "AmazonECR", ECR)
        expect_edge(stub)
        table = fetch_table(client, REGION, TODAY)
        stub.assert_no_pending_responses()
    assert table["missing"] == {}
    assert {k: v["usd"] for k, v in table["prices"].items()} == {
        "fargate_x86_64_vcpu_hour": 0.04656,
        "fargate_x86_64_gb_hour": 0.00511,
        "fargate_arm64_vcpu_hour": 0.03725,
        "fargate_arm64_gb_hour": 0.00409,
        "alb_hour": 0.0225,
        "alb_lcu_hour": 0.008,
        "nat_gateway_hour": 0.059,
        "nat_gateway_gb": 0.059,
        "public_ipv4_hour": 0.005,
        "logs_ingest_gb": 0.76,  # not the Infrequent Access class's 0.38
        "logs_storage_gb_month": 0.0314,
        "alarm_month": 0.10,
        "vpc_endpoint_az_hour": 0.013,
        "vpc_endpoint_gb": 0.01,
        "ecr_storage_gb_month": 0.10,
        "waf_web_acl_month": 5.0,
        "waf_rule_month": 1.0,
        "waf_request": 0.0000006,
        "s3_storage_gb_month": 0.025,
        "logs_vended_ingest_gb": 0.76,
    }
    nat = table["prices"]["nat_gateway_hour"]
    assert (nat["service_code"], nat["usage_type"], nat["publication_date"]) == (
        "AmazonEC2",
        "APN2-NatGateway-Hours",
        "2026-08-31T00:00:00Z",
    )
    assert nat["sku"] == json.loads(NAT[0])["product"]["sku"]
    assert (table["as_of"], table["checked_online"]) == ("2026-11-30", True)
    assert table["sources"]["price-list-api"]["publication_dates"] == ["2026-08-31T00:00:00Z"]
    # The preview reads what refresh writes.
    (tmp_path / f"{REGION}.json").write_text(json.dumps(table))
    loaded = load_prices(REGION, tmp_path)
    assert loaded.missing == {} and loaded.usd("alb_hour") == 0.0225


def test_a_price_the_api_does_not_return_is_listed_missing_not_invented(client: Any) -> None:
    without_endpoints = VPC[:1]
    with Stubber(client) as stub:
        stub_all(stub, vpc=without_endpoints)
        expect(stub, "AmazonEC2", [])  # endpoints are also looked for under their former service code
        expect(stub, "AmazonECR", ECR)
        expect_edge(stub)
        table = fetch_table(client, REGION, TODAY)
        stub.assert_no_pending_responses()
    assert sorted(table["missing"]) == ["vpc_endpoint_az_hour", "vpc_endpoint_gb"]
    assert "no on-demand price for usage type *VpcEndpoint-Hours" in table["missing"]["vpc_endpoint_az_hour"]
    assert "vpc_endpoint_az_hour" not in table["prices"]


def test_products_that_disagree_are_left_out_with_their_skus(client: Any) -> None:
    second_nat = product(
        "AmazonEC2", "NAT Gateway", "APN2-NatGateway-Hours", "0.0600000000", "Hrs", sku="OTHER"
    )
    with Stubber(client) as stub:
        expect(stub, "AmazonECS", ECS)
        expect(stub, "AWSELB", ELB, "Load Balancer-Application")
        expect(stub, "AmazonEC2", [*NAT, second_nat], "NAT Gateway")
        expect(stub, "AmazonVPC", VPC)
        expect(stub, "AmazonCloudWatch", CLOUDWATCH)
        expect(stub, "AmazonECR", ECR)
        expect_edge(stub)
        table = fetch_table(client, REGION, TODAY)
    assert "products disagree" in table["missing"]["nat_gateway_hour"]
    assert "OTHER APN2-NatGateway-Hours $0.06" in table["missing"]["nat_gateway_hour"]


def test_the_cli_writes_the_table_and_lists_what_is_missing(client: Any, tmp_path: Path) -> None:
    out = io.StringIO()
    with Stubber(client) as stub:
        stub_all(stub, vpc=VPC[:1])
        expect(stub, "AmazonEC2", [])
        expect(stub, "AmazonECR", [])
        expect_edge(stub)
        code = main(
            ["refresh", "--region", REGION, "--out", str(tmp_path)], client=client, today=TODAY, out=out
        )
    assert code == 0
    lines = out.getvalue().splitlines()
    assert lines[0] == f"wrote {tmp_path / 'ap-northeast-2.json'}: 17 prices"
    assert [line.split(":")[0] for line in lines[1:]] == [
        "  missing vpc_endpoint_az_hour",
        "  missing vpc_endpoint_gb",
        "  missing ecr_storage_gb_month",
    ]
    table = load_prices(REGION, tmp_path)
    assert sorted(table.missing) == ["ecr_storage_gb_month", "vpc_endpoint_az_hour", "vpc_endpoint_gb"]


def test_a_region_that_is_not_a_region_code_is_refused_by_value(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["refresh", "--region", "Seoul"], client=None) == 2
    assert "region 'Seoul' is not an AWS region code (allowed: like us-east-1, ap-northeast-2)" in (
        capsys.readouterr().err
    )


def test_a_region_the_api_knows_nothing_of_writes_nothing(client: Any, tmp_path: Path) -> None:
    with Stubber(client) as stub:
        for service, family in [
            ("AmazonECS", None),
            ("AWSELB", "Load Balancer-Application"),
            ("AmazonEC2", "NAT Gateway"),
            ("AmazonVPC", None),
            ("AmazonEC2", None),
            ("AmazonCloudWatch", None),
            ("AmazonECR", None),
            ("awswaf", None),
            ("AmazonS3", None),
        ]:
            expect(stub, service, [], family)
        code = main(["refresh", "--region", REGION, "--out", str(tmp_path)], client=client, today=TODAY)
    assert code == 2 and list(tmp_path.iterdir()) == []


def test_an_api_failure_is_one_line(client: Any, capsys: pytest.CaptureFixture[str]) -> None:
    with Stubber(client) as stub:
        stub.add_client_error(
            "get_products", "AccessDeniedException", "not authorized to perform pricing:GetProducts"
        )
        assert main(["refresh", "--region", REGION], client=client, today=TODAY) == 1
    assert "the Price List API call failed" in capsys.readouterr().err


def test_the_command_the_preview_names_is_the_cli() -> None:
    assert refresh_command("eu-west-1") == "python -m preview.prices refresh --region eu-west-1"


def test_estimate_from_a_refreshed_table_prices_every_line(client: Any, tmp_path: Path) -> None:
    with Stubber(client) as stub:
        stub_all(stub)
        expect(stub, "AmazonECR", ECR)
        expect_edge(stub)
        (tmp_path / f"{REGION}.json").write_text(json.dumps(fetch_table(client, REGION, TODAY)))
    usage = extract_usage(run_stack("dev", {"aws:region": REGION}))
    result = estimate(usage, load_prices(REGION, tmp_path))
    assert result.unpriced == () and result.prices_checked_online
