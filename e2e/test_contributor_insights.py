"""Contributor Insights through boto3: the calls infrastructure code makes
on every table it manages (Terraform's aws_dynamodb_contributor_insights,
CloudFormation's ContributorInsightsSpecification), with DynamoDB's states,
rule names and errors."""

import unittest

from botocore.exceptions import ClientError

from dynago_process import ServerTestCase, wait_active


class ContributorInsights(ServerTestCase, unittest.TestCase):

    def test_enable_describe_list_disable(self):
        client = self.server.client()
        client.create_table(
            TableName="Stories",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"},
                                  {"AttributeName": "author", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            GlobalSecondaryIndexes=[{
                "IndexName": "byAuthor",
                "KeySchema": [{"AttributeName": "author", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }],
        )
        wait_active(client, "Stories")

        fresh = client.describe_contributor_insights(TableName="Stories")
        self.assertEqual(fresh["ContributorInsightsStatus"], "DISABLED")
        self.assertNotIn("LastUpdateDateTime", fresh)

        out = client.update_contributor_insights(TableName="Stories", ContributorInsightsAction="ENABLE")
        self.assertEqual(out["ContributorInsightsStatus"], "ENABLING")
        self.assertEqual(out["ContributorInsightsMode"], "ACCESSED_AND_THROTTLED_KEYS")
        d = client.describe_contributor_insights(TableName="Stories")
        self.assertEqual(d["ContributorInsightsStatus"], "ENABLED")
        self.assertEqual([r.rsplit("-", 1)[0] for r in d["ContributorInsightsRuleList"]],
                         ["DynamoDBContributorInsights-PKC-Stories", "DynamoDBContributorInsights-PKT-Stories"])

        client.update_contributor_insights(TableName="Stories", IndexName="byAuthor",
                                           ContributorInsightsAction="ENABLE",
                                           ContributorInsightsMode="THROTTLED_KEYS")
        listed = client.list_contributor_insights(TableName="Stories")["ContributorInsightsSummaries"]
        self.assertEqual([(s.get("IndexName"), s["ContributorInsightsMode"]) for s in listed],
                         [(None, "ACCESSED_AND_THROTTLED_KEYS"), ("byAuthor", "THROTTLED_KEYS")])

        out = client.update_contributor_insights(TableName="Stories", ContributorInsightsAction="DISABLE")
        self.assertEqual(out["ContributorInsightsStatus"], "DISABLING")
        self.assertEqual(client.describe_contributor_insights(TableName="Stories")["ContributorInsightsStatus"], "DISABLED")

        with self.assertRaises(ClientError) as e:
            client.describe_contributor_insights(TableName="Stories", IndexName="nothere")
        self.assertEqual(e.exception.response["Error"]["Code"], "ResourceNotFoundException")
        self.assertEqual(e.exception.response["Error"]["Message"],
                         "Requested resource not found: Index: nothere not found for table: Stories")


if __name__ == "__main__":
    unittest.main()
