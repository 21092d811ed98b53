"""Seed 002 ("DynamoDB", Use Case - Instagram Stories using DynamoDB): the
InstagramStories table, stories added with put_item, queried by user with
Key('user_id').eq(...), and expired stories removed by a scan + delete_item.

The blog's create_table lists non-key attributes (and the type 'BOOL') in
AttributeDefinitions. Amazon DynamoDB refuses that request, so the first
test checks that Dynago refuses it with DynamoDB's messages, and the others
create the table with the key attributes only, as a user would after
reading the error."""

import io
import unittest
from contextlib import redirect_stdout
from datetime import datetime, timedelta
from decimal import Decimal

import boto3
from botocore.exceptions import ClientError

from dynago_process import ServerTestCase, wait_active

KEY_SCHEMA = [
    {
        'AttributeName': 'user_id',  # Partition Key
        'KeyType': 'HASH'
    },
    {
        'AttributeName': 'story_id',  # Sort Key
        'KeyType': 'RANGE'
    }
]


class InstagramStories(ServerTestCase, unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Initialize DynamoDB client
        dynamodb = cls.server.resource()
        # Create the DynamoDB table (key attributes only; see the module doc)
        table = dynamodb.create_table(
            TableName='InstagramStories',
            KeySchema=KEY_SCHEMA,
            AttributeDefinitions=[
                {'AttributeName': 'user_id', 'AttributeType': 'S'},
                {'AttributeName': 'story_id', 'AttributeType': 'S'},
            ],
            ProvisionedThroughput={
                'ReadCapacityUnits': 5,
                'WriteCapacityUnits': 5
            }
        )
        print(f"Table {table.table_name} is being created...")
        wait_active(cls.server.client(), 'InstagramStories')
        cls.table = table

    def test_seed_create_table_is_refused_as_dynamodb_refuses_it(self):
        dynamodb = self.server.resource()
        with self.assertRaises(ClientError) as cm:
            # The blog's create_table, verbatim.
            dynamodb.create_table(
                TableName='InstagramStoriesAsInTheBlog',
                KeySchema=KEY_SCHEMA,
                AttributeDefinitions=[
                    {'AttributeName': 'user_id', 'AttributeType': 'S'},
                    {'AttributeName': 'story_id', 'AttributeType': 'S'},
                    {'AttributeName': 'story_type', 'AttributeType': 'S'},
                    {'AttributeName': 'timestamp', 'AttributeType': 'S'},
                    {'AttributeName': 'is_memory', 'AttributeType': 'BOOL'},
                    {'AttributeName': 'likes_count', 'AttributeType': 'N'}
                ],
                ProvisionedThroughput={'ReadCapacityUnits': 5, 'WriteCapacityUnits': 5}
            )
        err = cm.exception.response['Error']
        self.assertEqual(err['Code'], 'ValidationException')
        self.assertEqual(err['Message'],
                         "1 validation error detected: Value 'BOOL' at "
                         "'attributeDefinitions.5.member.attributeType' failed to satisfy "
                         "constraint: Member must satisfy enum value set: [B, N, S]")

        # With 'BOOL' fixed, the extra definitions are still refused.
        with self.assertRaises(ClientError) as cm:
            dynamodb.create_table(
                TableName='InstagramStoriesAsInTheBlog',
                KeySchema=KEY_SCHEMA,
                AttributeDefinitions=[
                    {'AttributeName': 'user_id', 'AttributeType': 'S'},
                    {'AttributeName': 'story_id', 'AttributeType': 'S'},
                    {'AttributeName': 'story_type', 'AttributeType': 'S'},
                    {'AttributeName': 'timestamp', 'AttributeType': 'S'},
                    {'AttributeName': 'likes_count', 'AttributeType': 'N'}
                ],
                ProvisionedThroughput={'ReadCapacityUnits': 5, 'WriteCapacityUnits': 5}
            )
        err = cm.exception.response['Error']
        self.assertEqual(err['Code'], 'ValidationException')
        self.assertEqual(err['Message'],
                         "One or more parameter values were invalid: Number of attributes in "
                         "KeySchema does not exactly match number of attributes defined in "
                         "AttributeDefinitions")
        self.assertNotIn('InstagramStoriesAsInTheBlog',
                         self.server.client().list_tables()['TableNames'])

    def test_stories_queried_by_user(self):
        table = self.table

        # --- the seed's program ---
        # Add sample story data
        def add_sample_story(user_id, story_id, story_type, title, description, is_memory, likes_count):
            table.put_item(
                Item={
                    'user_id': user_id,
                    'story_id': story_id,
                    'story_type': story_type,
                    'title': title,
                    'description': description,
                    'timestamp': str(datetime.now()),
                    'is_memory': is_memory,
                    'likes_count': likes_count
                }
            )

        # Sample data for User U1 and U2
        add_sample_story('U1', 'S1', 'image', 'Sunset at the beach', 'A beautiful sunset I captured while at the beach.', False, 0)
        add_sample_story('U2', 'S2', 'video', 'Morning run', 'A short video of my morning run through the park.', True, 10)

        def get_user_stories(user_id):
            response = table.query(
                KeyConditionExpression=boto3.dynamodb.conditions.Key('user_id').eq(user_id)
            )
            return response['Items']

        # Get stories for User U1
        user_stories = get_user_stories('U1')
        print(user_stories)
        # --- end of the seed's program ---

        self.assertEqual(len(user_stories), 1)
        story = user_stories[0]
        self.assertEqual(story['user_id'], 'U1')
        self.assertEqual(story['story_id'], 'S1')
        self.assertEqual(story['title'], 'Sunset at the beach')
        self.assertIs(story['is_memory'], False)
        self.assertEqual(story['likes_count'], Decimal(0))
        datetime.strptime(story['timestamp'], '%Y-%m-%d %H:%M:%S.%f')

        u2 = get_user_stories('U2')
        self.assertEqual([(s['story_id'], s['is_memory'], s['likes_count']) for s in u2],
                         [('S2', True, Decimal(10))])
        self.assertEqual(get_user_stories('nobody'), [])

        # More stories for U1 come back in story_id order.
        for sid in ['S9', 'S3', 'S10']:
            add_sample_story('U1', sid, 'image', 't', 'd', False, 1)
        self.assertEqual([s['story_id'] for s in get_user_stories('U1')], ['S1', 'S10', 'S3', 'S9'])

    def test_remove_expired_stories(self):
        table = self.table
        day_old = str(datetime.now() - timedelta(days=2))
        table.put_item(Item={'user_id': 'U3', 'story_id': 'old', 'timestamp': day_old, 'is_memory': False})
        table.put_item(Item={'user_id': 'U3', 'story_id': 'memory', 'timestamp': day_old, 'is_memory': True})
        table.put_item(Item={'user_id': 'U3', 'story_id': 'new', 'timestamp': str(datetime.now().replace(microsecond=1)), 'is_memory': False})

        out = io.StringIO()
        with redirect_stdout(out):
            # --- the seed's program ---
            import time

            def remove_expired_stories():
                current_time = time.time()
                response = table.scan()
                for item in response['Items']:
                    story_time = time.mktime(datetime.strptime(item['timestamp'], '%Y-%m-%d %H:%M:%S.%f').timetuple())
                    if current_time - story_time > 86400 and not item['is_memory']:  # 86400 seconds = 24 hours
                        table.delete_item(
                            Key={
                                'user_id': item['user_id'],
                                'story_id': item['story_id']
                            }
                        )
                        print(f"Deleted expired story: {item['story_id']}")

            # Remove expired stories
            remove_expired_stories()
            # --- end of the seed's program ---

        self.assertIn("Deleted expired story: old", out.getvalue())
        left = table.query(KeyConditionExpression=boto3.dynamodb.conditions.Key('user_id').eq('U3'))['Items']
        self.assertEqual(sorted(s['story_id'] for s in left), ['memory', 'new'])


if __name__ == "__main__":
    unittest.main()
